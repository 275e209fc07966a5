// POSIX shared memory: shm_open/shm_unlink/ftruncate/fstat and MAP_SHARED
// mappings exposed as external Buffers. Naming, lifetimes and tracking are
// policy and live in lib/ (resource_tracker.ts, shared_memory.ts).
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mutex>
#include <string>
#include <unordered_map>

#include "addon.h"
#include "errors.h"
#include "posix_call.h"

namespace pmp {

// shm_open wants "/name"; lib/ passes names without the slash.
static std::string ShmPath(const Napi::Value& v) {
  if (!v.IsString()) ThrowInvalidArgType(v, "name must be a string");
  std::string name = v.As<Napi::String>().Utf8Value();
  if (name.empty() || name[0] != '/') name.insert(0, "/");
  return name;
}

static Napi::Error ShmError(Napi::Env env, int err, const char* syscall, const std::string& path) {
  Napi::Error error = ErrnoError(env, err, syscall);
  error.Set("path", Napi::String::New(env, path));
  return error;
}

static double ToSize(const Napi::Value& v, const char* what) {
  if (!v.IsNumber()) ThrowInvalidArgType(v, std::string(what) + " must be a number");
  double size = v.As<Napi::Number>().DoubleValue();
  if (!(size >= 0) || size > 9007199254740991.0) {
    throw Napi::RangeError::New(v.Env(), std::string(what) + " must be a non-negative integer");
  }
  return size;
}

// shmOpen(name, flags: 'create-exclusive' | 'open' | 'create', size = 0, mode = 0o600) -> fd.
// When it creates (or finds a smaller) object and size > 0, it grows it to `size`.
static Napi::Value ShmOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = ShmPath(info[0]);
  std::string how = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
  int oflag;
  if (how == "create-exclusive") {
    oflag = O_RDWR | O_CREAT | O_EXCL;
  } else if (how == "create") {
    oflag = O_RDWR | O_CREAT;
  } else if (how == "open") {
    oflag = O_RDWR;
  } else {
    throw Napi::TypeError::New(env, "flags must be 'create-exclusive', 'open' or 'create'");
  }
  off_t size = info.Length() > 2 && !info[2].IsUndefined() ? static_cast<off_t>(ToSize(info[2], "size")) : 0;
  mode_t mode = info.Length() > 3 && info[3].IsNumber() ? info[3].As<Napi::Number>().Uint32Value() : 0600;

  // POSIX makes shm_open's fd close-on-exec.
  int fd = RetryOnEintr([&] { return shm_open(path.c_str(), oflag, mode); });
  if (fd < 0) throw ShmError(env, errno, "shm_open", path);

  if (size > 0 && (oflag & O_CREAT)) {
    struct stat st;
    const char* failed = nullptr;
    if (fstat(fd, &st) != 0) {
      failed = "fstat";
    } else if (st.st_size < size && RetryOnEintr([&] { return ftruncate(fd, size); }) != 0) {
      failed = "ftruncate";
    }
#if defined(__linux__)
    // Reserve the pages now: on a full /dev/shm the caller gets ENOSPC here,
    // not a SIGBUS on the first touch of a page that cannot be had.
    if (failed == nullptr && st.st_size < size) {
      int rc;
      do {
        rc = posix_fallocate(fd, 0, size);
      } while (rc == EINTR);
      if (rc != 0 && rc != EOPNOTSUPP && rc != EINVAL) {
        failed = "posix_fallocate";
        errno = rc;
      }
    }
#endif
    if (failed != nullptr) {
      int err = errno;
      // Leave nothing half-made behind when we created it.
      if (oflag & O_EXCL) shm_unlink(path.c_str());
      close(fd);
      throw ShmError(env, err, failed, path);
    }
  }
  return Napi::Number::New(env, fd);
}

static Napi::Value ShmUnlink(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = ShmPath(info[0]);
  if (shm_unlink(path.c_str()) != 0) throw ShmError(env, errno, "shm_unlink", path);
  return env.Undefined();
}

// anonymousShared(size) -> fd of a shared-memory object with no name (memfd on
// Linux; a shm object unlinked at once elsewhere): nothing to clean up, and it
// crosses to other processes only by fork or fd passing.
static Napi::Value AnonymousShared(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  off_t size = static_cast<off_t>(ToSize(info[0], "size"));
#if defined(__linux__)
  int fd = memfd_create("pmp-anonymous", MFD_CLOEXEC);
  if (fd < 0) ThrowErrno(env, errno, "memfd_create");
#else
  char path[32];
  int fd = -1;
  for (int attempt = 0; fd < 0 && attempt < 100; attempt++) {
    snprintf(path, sizeof(path), "/pmp-anon-%08x%04x", arc4random(), attempt);
    fd = shm_open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
    if (fd < 0 && errno != EEXIST) ThrowErrno(env, errno, "shm_open");
  }
  if (fd < 0) ThrowErrno(env, EEXIST, "shm_open");
  shm_unlink(path);  // the fd is close-on-exec already, as every shm_open fd
#endif
  if (RetryOnEintr([&] { return ftruncate(fd, size); }) != 0) CloseAndThrow(env, fd, errno, "ftruncate");
  return Napi::Number::New(env, fd);
}

static Napi::Value FdSize(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct stat st;
  if (fstat(Int32Arg(info[0], "fd"), &st) != 0) ThrowErrno(env, errno, "fstat");
  return Napi::Number::New(env, static_cast<double>(st.st_size));
}

// One record per mapping, owned by its Buffer's finalizer. `live` holds the
// mappings unmap() may still release. unmap() does not give the address range
// back: it replaces the shared pages with private zero pages, so a pointer some
// native code still holds (a pending futex wait, say) reads harmless zeros
// instead of faulting, and the range cannot be reused while the Buffer object
// exists. The finalizer releases the range for good.
struct Mapping {
  void* addr;
  size_t length;
  bool released;  // munmapped already: the range may belong to someone else now
  // unmap() put private zero pages here. They stay mapped for good: detaching
  // the Buffer can run the finalizer at once, while the waiter thread may still
  // read a word in this range for a wait that has not been cancelled yet.
  // Untouched zero pages cost address space only.
  bool swapped;
};

static std::mutex mappings_mutex;
static std::unordered_map<void*, Mapping*>* live = new std::unordered_map<void*, Mapping*>();

static void FinalizeMapping(Napi::Env, uint8_t*, Mapping* mapping) {
  {
    std::lock_guard<std::mutex> lock(mappings_mutex);
    auto it = live->find(mapping->addr);
    if (it != live->end() && it->second == mapping) live->erase(it);
  }
  if (!mapping->released && !mapping->swapped) munmap(mapping->addr, mapping->length);
  delete mapping;
}

// mapShared(fd, size) -> Buffer over mmap(MAP_SHARED); unmapped when the Buffer
// is collected or by unmap(buffer).
static Napi::Value MapShared(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = Int32Arg(info[0], "fd");
  size_t length = static_cast<size_t>(ToSize(info[1], "size"));
  if (length == 0) throw ErrnoError(env, EINVAL, "mmap");
  void* addr = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (addr == MAP_FAILED) ThrowErrno(env, errno, "mmap");
  Mapping* mapping = new Mapping{addr, length, false, false};
  {
    std::lock_guard<std::mutex> lock(mappings_mutex);
    (*live)[addr] = mapping;
  }
  return Napi::Buffer<uint8_t>::New(env, static_cast<uint8_t*>(addr), length, FinalizeMapping, mapping);
}

// unmap(buffer): releases the shared pages now (see Mapping) and detaches the
// Buffer's ArrayBuffer, so every view over it reads as empty.
static Napi::Value Unmap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray()) ThrowInvalidArgType(info[0], "unmap(buffer): pass a Buffer from mapShared()");
  Napi::ArrayBuffer ab = info[0].As<Napi::TypedArray>().ArrayBuffer();
  void* addr = ab.Data();
  Mapping* mapping = nullptr;
  {
    std::lock_guard<std::mutex> lock(mappings_mutex);
    auto it = addr == nullptr ? live->end() : live->find(addr);
    if (it == live->end()) throw Napi::Error::New(env, "unmap(buffer): not a live mapping from mapShared()");
    mapping = it->second;
    live->erase(it);
  }
  // Swap in the zero pages before detaching: detaching may run the finalizer.
  void* placeholder =
      mmap(mapping->addr, mapping->length, PROT_READ | PROT_WRITE, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  {
    std::lock_guard<std::mutex> lock(mappings_mutex);
    if (placeholder == MAP_FAILED) {
      // Could not swap in zero pages: give the range up now, and not again later.
      munmap(mapping->addr, mapping->length);
      mapping->released = true;
    } else {
      mapping->swapped = true;
    }
  }
  napi_detach_arraybuffer(env, ab);  // best effort: a non-detachable buffer keeps its length
  return env.Undefined();
}

void InitShm(Napi::Env env, Napi::Object exports) {
  ExportFunctions(env, exports,
                  {{"shmOpen", ShmOpen},
                   {"shmUnlink", ShmUnlink},
                   {"anonymousShared", AnonymousShared},
                   {"fdSize", FdSize},
                   {"mapShared", MapShared},
                   {"unmap", Unmap}});
}

}  // namespace pmp
