// A forked child has no V8 platform worker threads: fork() copies only the
// calling thread. Node's platform still reports its parent's pool, though, and
// since V8 14 (Node 26) every scavenge creates a job that posts a task to that
// pool even under --single-threaded (the task finds nothing to do). In the
// child the post signals a condition variable whose waiters were the parent's
// workers; glibc's pthread_cond_signal then waits forever for those waiters to
// acknowledge, and the child hangs in its first few young-generation GCs.
//
// So the child's platform is made to tell V8 the truth: it has no worker
// threads. NumberOfWorkerThreads() returns 0, which V8 supports (it is what its
// own single-threaded platform returns): jobs then run only on the thread that
// joins them and nothing is ever posted. DrainTasks(), which Node calls when
// the event loop runs dry, stops waiting for worker tasks (a task the parent
// had queued could never finish) and only flushes foreground tasks.
//
// This takes Node's embedder API and C++ ABI (both exported by the node binary
// for native addons): the platform comes from node::GetMultiIsolatePlatform(),
// and the child gets a copy of node::NodePlatform's vtable with those two
// entries replaced. Everything is looked up in the parent before the first
// fork; if anything does not match (another embedder's platform, a symbol that
// is missing), nothing is changed.
#include "child_platform.h"

#if defined(__linux__) || defined(__APPLE__)
#include <dlfcn.h>
#include <string.h>

#include <cstdlib>
#if defined(__linux__)
#include <link.h>
#endif
#endif

namespace pmp {

#if defined(__linux__) || defined(__APPLE__)
namespace {

// Node's embedder API (node.h, v8-isolate.h), called through their exported
// symbols: the addon is built against Node-API headers only. v8::Local<T> is a
// trivially copyable wrapper around one pointer, so it travels as a pointer.
using GetCurrentIsolateFn = void* (*)();
using GetCurrentContextFn = void* (*)(void* isolate);
using GetCurrentEnvironmentFn = void* (*)(void* context);
using GetMultiIsolatePlatformFn = void* (*)(void* environment);
using FlushForegroundTasksFn = bool (*)(void* platform, void* isolate);

struct Prepared {
  bool tried = false;
  void** object = nullptr;      // the NodePlatform; its first word is the vtable pointer
  void** child_vptr = nullptr;  // the address point in our patched copy
};

Prepared prepared;
FlushForegroundTasksFn flush_foreground_tasks = nullptr;

void* Symbol(const char* name) { return dlsym(RTLD_DEFAULT, name); }

int ChildNumberOfWorkerThreads(void* /*platform*/) { return 0; }

void ChildDrainTasks(void* platform, void* isolate) {
  // NodePlatform::DrainTasks without the wait for worker tasks: flush the
  // foreground tasks (and the ones they post) until none are left.
  while (flush_foreground_tasks(platform, isolate)) {
  }
}

bool SymbolSize(void* address, size_t* size) {
#if defined(__linux__)
  Dl_info info;
  void* entry = nullptr;
  if (dladdr1(address, &info, &entry, RTLD_DL_SYMENT) == 0 || entry == nullptr) return false;
  const ElfW(Sym)* sym = static_cast<const ElfW(Sym)*>(entry);
  if (info.dli_saddr != address) return false;
  *size = sym->st_size;
  return *size > 0;
#else
  (void)address;
  (void)size;
  return false;
#endif
}

void Prepare() {
  if (prepared.tried) return;
  prepared.tried = true;
  auto get_isolate = reinterpret_cast<GetCurrentIsolateFn>(Symbol("_ZN2v87Isolate10GetCurrentEv"));
  auto get_context = reinterpret_cast<GetCurrentContextFn>(Symbol("_ZN2v87Isolate17GetCurrentContextEv"));
  auto get_environment =
      reinterpret_cast<GetCurrentEnvironmentFn>(Symbol("_ZN4node21GetCurrentEnvironmentEN2v85LocalINS0_7ContextEEE"));
  auto get_platform =
      reinterpret_cast<GetMultiIsolatePlatformFn>(Symbol("_ZN4node23GetMultiIsolatePlatformEPNS_11EnvironmentE"));
  auto flush =
      reinterpret_cast<FlushForegroundTasksFn>(Symbol("_ZN4node12NodePlatform20FlushForegroundTasksEPN2v87IsolateE"));
  void* number_of_workers = Symbol("_ZN4node12NodePlatform21NumberOfWorkerThreadsEv");
  void* drain_tasks = Symbol("_ZN4node12NodePlatform10DrainTasksEPN2v87IsolateE");
  void* vtable = Symbol("_ZTVN4node12NodePlatformE");
  if (!get_isolate || !get_context || !get_environment || !get_platform || !flush || !number_of_workers ||
      !drain_tasks || !vtable) {
    return;
  }
  size_t vtable_size = 0;
  if (!SymbolSize(vtable, &vtable_size) || vtable_size % sizeof(void*) != 0) return;

  void* isolate = get_isolate();
  if (isolate == nullptr) return;
  void* context = get_context(isolate);  // a handle in the caller's (Node-API) handle scope
  if (context == nullptr) return;
  void* environment = get_environment(context);
  if (environment == nullptr) return;
  void** object = static_cast<void**>(get_platform(environment));
  if (object == nullptr) return;

  // Only Node's own NodePlatform, whose vtable group is one table: the address
  // point follows the offset-to-top and type-info entries.
  void** table = static_cast<void**>(vtable);
  const size_t address_point = 2;
  if (object[0] != static_cast<void*>(table + address_point)) return;
  const size_t entries = vtable_size / sizeof(void*);
  void** copy = static_cast<void**>(malloc(vtable_size));
  if (copy == nullptr) return;
  memcpy(copy, table, vtable_size);
  int replaced_workers = 0;
  int replaced_drain = 0;
  for (size_t i = address_point; i < entries; i++) {
    if (copy[i] == number_of_workers) {
      copy[i] = reinterpret_cast<void*>(&ChildNumberOfWorkerThreads);
      replaced_workers++;
    } else if (copy[i] == drain_tasks) {
      copy[i] = reinterpret_cast<void*>(&ChildDrainTasks);
      replaced_drain++;
    }
  }
  if (replaced_workers != 1 || replaced_drain != 1) {
    free(copy);
    return;
  }
  flush_foreground_tasks = flush;
  prepared.object = object;
  prepared.child_vptr = copy + address_point;
}

}  // namespace

void PrepareChildPlatform() { Prepare(); }

void BecomeChildPlatform() {
  if (prepared.object != nullptr) prepared.object[0] = prepared.child_vptr;
}

bool ChildPlatformReady() { return prepared.object != nullptr; }

#else

void PrepareChildPlatform() {}
void BecomeChildPlatform() {}
bool ChildPlatformReady() { return false; }

#endif

}  // namespace pmp
