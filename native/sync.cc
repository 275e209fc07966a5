// Synchronous futex waits and wakes on 32-bit words in shared memory, plus
// sem_unlink for the resource tracker. The lock/semaphore/condition algorithms
// over these words are policy and live in lib/synchronize.ts.
#include <errno.h>
#include <fcntl.h>
#include <semaphore.h>
#include <time.h>
#include <unistd.h>

#include <string>

#include "errors.h"
#include "futex.h"

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#elif defined(__APPLE__)
// Darwin's private but stable futex equivalent (used by libc++ and Chromium).
extern "C" int __ulock_wait(uint32_t operation, void* addr, uint64_t value, uint32_t timeout_us);
extern "C" int __ulock_wake(uint32_t operation, void* addr, uint64_t wake_value);
#define UL_COMPARE_AND_WAIT_SHARED 3
#define ULF_WAKE_ALL 0x00000100
#define ULF_NO_ERRNO 0x01000000
#endif

namespace pmp {

static double NowMs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

FutexWaitResult FutexWaitShared(uint32_t* word, uint32_t expected, double timeout_ms, int* err) {
  *err = 0;
  double deadline = timeout_ms < 0 ? -1 : NowMs() + timeout_ms;
  for (;;) {
    double left = deadline < 0 ? -1 : deadline - NowMs();
    if (deadline >= 0 && left <= 0) return FutexWaitResult::kTimedOut;
#if defined(__linux__)
    struct timespec ts;
    struct timespec* tsp = nullptr;
    if (left >= 0) {
      ts.tv_sec = static_cast<time_t>(left / 1e3);
      ts.tv_nsec = static_cast<long>((left - ts.tv_sec * 1e3) * 1e6);
      tsp = &ts;
    }
    long rc = syscall(SYS_futex, word, FUTEX_WAIT, expected, tsp, nullptr, 0);
    if (rc == 0) return FutexWaitResult::kWoken;
    if (errno == EAGAIN) return FutexWaitResult::kNotEqual;
    if (errno == ETIMEDOUT) return FutexWaitResult::kTimedOut;
    if (errno == EINTR) continue;
    *err = errno;
    return FutexWaitResult::kWoken;
#elif defined(__APPLE__)
    // The timeout is in microseconds, 0 meaning forever: sleep in slices.
    uint32_t us = left < 0 ? 0 : static_cast<uint32_t>(left * 1e3 < 1 ? 1 : (left * 1e3 > 4e9 ? 4e9 : left * 1e3));
    int rc = __ulock_wait(UL_COMPARE_AND_WAIT_SHARED | ULF_NO_ERRNO, word, expected, us);
    if (rc >= 0) {
      return __atomic_load_n(word, __ATOMIC_SEQ_CST) == expected ? FutexWaitResult::kWoken : FutexWaitResult::kNotEqual;
    }
    if (rc == -ETIMEDOUT) continue;  // the loop re-checks the deadline
    if (rc == -EINTR || rc == -EFAULT) continue;
    *err = -rc;
    return FutexWaitResult::kWoken;
#else
    // No futex: poll the word every millisecond.
    if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != expected) return FutexWaitResult::kNotEqual;
    usleep(1000);
#endif
  }
}

int FutexWakeShared(uint32_t* word, int count) {
#if defined(__linux__)
  long rc = syscall(SYS_futex, word, FUTEX_WAKE, count, nullptr, nullptr, 0);
  return rc < 0 ? 0 : static_cast<int>(rc);
#elif defined(__APPLE__)
  __ulock_wake(UL_COMPARE_AND_WAIT_SHARED | ULF_NO_ERRNO | (count > 1 ? ULF_WAKE_ALL : 0), word, 0);
  return 0;
#else
  (void)word;
  (void)count;
  return 0;
#endif
}

uint32_t* WordAt(const Napi::Value& view, const Napi::Value& byte_offset) {
  Napi::Env env = view.Env();
  if (!view.IsTypedArray()) throw Napi::TypeError::New(env, "expected a Buffer or TypedArray over shared memory");
  if (!byte_offset.IsNumber()) throw Napi::TypeError::New(env, "byteOffset must be a number");
  Napi::TypedArray array = view.As<Napi::TypedArray>();
  double offset = byte_offset.As<Napi::Number>().DoubleValue();
  size_t length = array.ByteLength();
  if (!(offset >= 0) || offset + 4 > static_cast<double>(length) || offset != static_cast<double>(static_cast<size_t>(offset))) {
    throw Napi::RangeError::New(env, "byteOffset is outside the buffer");
  }
  uint8_t* base = static_cast<uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
  uintptr_t address = reinterpret_cast<uintptr_t>(base + static_cast<size_t>(offset));
  if (address % 4 != 0) throw Napi::RangeError::New(env, "the futex word must be 4-byte aligned");
  return reinterpret_cast<uint32_t*>(address);
}

// futexWait(view, byteOffset, expected, timeoutMs = -1) -> 'woken' | 'not-equal' | 'timed-out'
static Napi::Value FutexWait(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t* word = WordAt(info[0], info[1]);
  uint32_t expected = info[2].As<Napi::Number>().Int64Value() & 0xffffffffu;
  double timeout = info.Length() > 3 && info[3].IsNumber() ? info[3].As<Napi::Number>().DoubleValue() : -1;
  int err = 0;
  FutexWaitResult result = FutexWaitShared(word, expected, timeout, &err);
  if (err != 0) ThrowErrno(env, err, "futex");
  switch (result) {
    case FutexWaitResult::kWoken: return Napi::String::New(env, "woken");
    case FutexWaitResult::kNotEqual: return Napi::String::New(env, "not-equal");
    default: return Napi::String::New(env, "timed-out");
  }
}

// futexWake(view, byteOffset, count) -> number of waiters woken (Linux)
static Napi::Value FutexWake(const Napi::CallbackInfo& info) {
  uint32_t* word = WordAt(info[0], info[1]);
  int count = info.Length() > 2 && info[2].IsNumber() ? info[2].As<Napi::Number>().Int32Value() : 1;
  return Napi::Number::New(info.Env(), FutexWakeShared(word, count));
}

// semUnlink(name): for the resource tracker (named POSIX semaphores).
static Napi::Value SemUnlink(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "name must be a string");
  std::string name = info[0].As<Napi::String>().Utf8Value();
  if (name.empty() || name[0] != '/') name.insert(0, "/");
  if (sem_unlink(name.c_str()) != 0) ThrowErrno(env, errno, "sem_unlink");
  return env.Undefined();
}

void InitSync(Napi::Env env, Napi::Object exports) {
  exports.Set("futexWait", Napi::Function::New(env, FutexWait, "futexWait"));
  exports.Set("futexWake", Napi::Function::New(env, FutexWake, "futexWake"));
  exports.Set("semUnlink", Napi::Function::New(env, SemUnlink, "semUnlink"));
}

}  // namespace pmp
