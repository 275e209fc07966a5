// Leaving the JavaScript stack of a forked child without running any of it.
//
// A child forked inside start() is standing in the parent's stack: the
// caller's catch and finally blocks, the code after start() and the promise
// continuations already queued all belong to the parent and must not run in
// the child. V8's TerminateExecution() unwinds every JavaScript frame without
// running catch or finally blocks, and V8 drops the queued microtasks when a
// checkpoint is terminated. Once the stack is empty (V8's call-completed
// callback, which fires whenever the outermost call returns), the termination
// is cancelled, so the event loop goes on and runs what the child scheduled
// (its target, from an immediate queued before unwinding).
//
// The addon is built against Node-API headers only, so V8's Isolate API is
// called through the symbols the node binary exports for addons; Isolate* is
// opaque here and member functions take it as their first argument (Itanium
// C++ ABI). If a symbol is missing, unwindSupported() says so and nothing runs.
#include <cstdlib>

#include "addon.h"
#include "libuv.h"
#include "stack_unwind.h"

#if defined(__linux__) || defined(__APPLE__)
#include <dlfcn.h>
#endif

namespace pmp {
namespace {

using IsolateFn = void (*)(void* isolate);
using IsolateQueryFn = bool (*)(void* isolate);
using GetCurrentFn = void* (*)();
using CallCompletedCallback = void (*)(void* isolate);
using AddCallCompletedFn = void (*)(void* isolate, CallCompletedCallback callback);

struct V8Api {
  bool looked_up = false;
  GetCurrentFn get_current = nullptr;
  IsolateFn terminate = nullptr;
  IsolateFn cancel_terminate = nullptr;
  IsolateQueryFn is_terminating = nullptr;
  AddCallCompletedFn add_call_completed = nullptr;
  bool complete() const { return get_current && terminate && cancel_terminate && is_terminating && add_call_completed; }
};

V8Api api;
bool unwinding = false;
bool leaving = false;  // until the check phase after an unwind
bool callback_added = false;

void* Lookup(const char* name) {
#if defined(__linux__) || defined(__APPLE__)
  return dlsym(RTLD_DEFAULT, name);
#else
  (void)name;
  return nullptr;
#endif
}

const V8Api& Api() {
  if (!api.looked_up) {
    api.looked_up = true;
    api.get_current = reinterpret_cast<GetCurrentFn>(Lookup("_ZN2v87Isolate10GetCurrentEv"));
    api.terminate = reinterpret_cast<IsolateFn>(Lookup("_ZN2v87Isolate18TerminateExecutionEv"));
    api.cancel_terminate = reinterpret_cast<IsolateFn>(Lookup("_ZN2v87Isolate24CancelTerminateExecutionEv"));
    api.is_terminating = reinterpret_cast<IsolateQueryFn>(Lookup("_ZN2v87Isolate22IsExecutionTerminatingEv"));
    api.add_call_completed =
        reinterpret_cast<AddCallCompletedFn>(Lookup("_ZN2v87Isolate24AddCallCompletedCallbackEPFvPS0_E"));
  }
  return api;
}

// Runs each time the outermost JavaScript call returns, terminated or not.
void OnCallCompleted(void* isolate) {
  if (!unwinding) return;
  unwinding = false;
  if (api.is_terminating(isolate)) api.cancel_terminate(isolate);
}

// The loop's check phase after the unwind: by then no JavaScript frame is left.
// Check handles started later run first, so this runs before Node's own
// (which runs the immediates, among them the child's target).
uv_check_t* check = nullptr;

void OnCheck(uv_check_t* handle) {
  uv_check_stop(handle);
  leaving = false;
  void* isolate = api.get_current();
  unwinding = false;
  if (api.is_terminating(isolate)) api.cancel_terminate(isolate);
}

Napi::Value UnwindSupported(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), Api().complete()); }

Napi::Value UnwindJavaScriptStack(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!Api().complete()) {
    Napi::Error::New(env, "this Node does not export the V8 calls needed to leave the stack")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  void* isolate = api.get_current();
  if (!callback_added) {
    api.add_call_completed(isolate, OnCallCompleted);
    callback_added = true;
  }
  if (check == nullptr) {
    uv_loop_t* loop = nullptr;
    napi_get_uv_event_loop(env, &loop);
    check = static_cast<uv_check_t*>(calloc(1, uv_handle_size(kUvCheckHandleType)));
    uv_check_init(loop, check);
    uv_unref(reinterpret_cast<uv_handle_t*>(check));
  }
  uv_check_start(check, OnCheck);
  unwinding = true;
  leaving = true;
  api.terminate(isolate);
  return env.Undefined();
}

}  // namespace

bool LeavingJavaScriptStack() { return leaving; }

void InitStackUnwind(Napi::Env env, Napi::Object exports) {
  ExportFunctions(env, exports,
                  {{"unwindSupported", UnwindSupported}, {"unwindJavaScriptStack", UnwindJavaScriptStack}});
}

}  // namespace pmp
