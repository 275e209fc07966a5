// Synchronous futex waits and wakes on 32-bit words in shared memory (the
// primitive futex.h describes, and the futexWait/futexWake bindings). The
// lock/semaphore/condition algorithms over these words are policy and live in
// lib/synchronize.ts; asynchronous waits go through futex_waiter.cc.
#include "futex.h"

#include <errno.h>
#include <time.h>
#include <unistd.h>

#include "addon.h"
#include "errors.h"
#include "posix_call.h"
#include "timeout.h"

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/syscall.h>
#endif

namespace pmp {

#if defined(__linux__)
static struct timespec TimespecOf(double ms) {
  struct timespec ts;
  ts.tv_sec = static_cast<time_t>(ms / 1e3);
  ts.tv_nsec = static_cast<long>((ms - static_cast<double>(ts.tv_sec) * 1e3) * 1e6);
  if (ts.tv_nsec > 999999999) ts.tv_nsec = 999999999;  // rounding at large values
  return ts;
}
#endif

FutexWaitResult FutexWaitShared(uint32_t* word, uint32_t expected, double timeout_ms, int* err) {
  *err = 0;
  int64_t deadline = DeadlineUs(timeout_ms);
#if defined(__linux__)
  // After a signal, the wait goes on for the time left.
  long rc = RetryOnEintr([&]() -> long {
    double left = RemainingMs(deadline);
    if (left == 0) {
      errno = ETIMEDOUT;
      return -1;
    }
    struct timespec ts = TimespecOf(left);
    return syscall(SYS_futex, word, FUTEX_WAIT, expected, left < 0 ? nullptr : &ts, nullptr, 0);
  });
  if (rc == 0) return FutexWaitResult::kWoken;
  if (errno == EAGAIN) return FutexWaitResult::kNotEqual;
  if (errno == ETIMEDOUT) return FutexWaitResult::kTimedOut;
  *err = errno;
  return FutexWaitResult::kWoken;
#else
  for (;;) {
    double left = RemainingMs(deadline);
    if (left == 0) return FutexWaitResult::kTimedOut;
#if defined(__APPLE__)
    // The timeout is in microseconds, 0 meaning forever: sleep in slices.
    uint32_t us = left < 0 ? 0 : static_cast<uint32_t>(left * 1e3 < 1 ? 1 : (left * 1e3 > 4e9 ? 4e9 : left * 1e3));
    int rc = __ulock_wait(kUlCompareAndWaitShared | kUlfNoErrno, word, expected, us);
    if (rc >= 0) {
      return __atomic_load_n(word, __ATOMIC_SEQ_CST) == expected ? FutexWaitResult::kWoken : FutexWaitResult::kNotEqual;
    }
    // ETIMEDOUT: the loop re-checks the deadline; EINTR: the time left is waited for.
    if (rc == -ETIMEDOUT || rc == -EINTR || rc == -EFAULT) continue;
    *err = -rc;
    return FutexWaitResult::kWoken;
#else
    // No futex: poll the word every millisecond.
    if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != expected) return FutexWaitResult::kNotEqual;
    usleep(1000);
#endif
  }
#endif
}

int FutexWakeShared(uint32_t* word, int count) {
#if defined(__linux__)
  long rc = syscall(SYS_futex, word, FUTEX_WAKE, count, nullptr, nullptr, 0);
  return rc < 0 ? 0 : static_cast<int>(rc);
#elif defined(__APPLE__)
  __ulock_wake(kUlCompareAndWaitShared | kUlfNoErrno | (count > 1 ? kUlfWakeAll : 0), word, 0);
  return 0;
#else
  (void)word;
  (void)count;
  return 0;
#endif
}

uint32_t* WordAt(const Napi::Value& view, const Napi::Value& byte_offset) {
  Napi::Env env = view.Env();
  if (!view.IsTypedArray()) ThrowInvalidArgType(view, "expected a Buffer or TypedArray over shared memory");
  if (!byte_offset.IsNumber()) ThrowInvalidArgType(byte_offset, "byteOffset must be a number");
  Napi::TypedArray array = view.As<Napi::TypedArray>();
  double offset = byte_offset.As<Napi::Number>().DoubleValue();
  size_t length = array.ByteLength();
  if (!(offset >= 0) || offset + 4 > static_cast<double>(length) ||
      offset != static_cast<double>(static_cast<size_t>(offset))) {
    throw Napi::RangeError::New(env, "byteOffset is outside the buffer");
  }
  uint8_t* base = static_cast<uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
  uintptr_t address = reinterpret_cast<uintptr_t>(base + static_cast<size_t>(offset));
  if (address % 4 != 0) throw Napi::RangeError::New(env, "the futex word must be 4-byte aligned");
  return reinterpret_cast<uint32_t*>(address);
}

// futexWait(view, byteOffset, expected, timeoutMs = forever) -> 'woken' | 'not-equal' | 'timed-out'
static Napi::Value FutexWait(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t* word = WordAt(info[0], info[1]);
  uint32_t expected = info[2].As<Napi::Number>().Int64Value() & 0xffffffffu;
  double timeout = info[3].IsUndefined() ? kWaitForever : TimeoutMsArg(info[3], "futexWait");
  int err = 0;
  FutexWaitResult result = FutexWaitShared(word, expected, timeout, &err);
  if (err != 0) ThrowErrno(env, err, "futex");
  switch (result) {
    case FutexWaitResult::kWoken: return Napi::String::New(env, "woken");
    case FutexWaitResult::kNotEqual: return Napi::String::New(env, "not-equal");
    default: return Napi::String::New(env, "timed-out");
  }
}

// futexWake(view, byteOffset, count = 1) -> number of waiters woken (Linux)
static Napi::Value FutexWake(const Napi::CallbackInfo& info) {
  uint32_t* word = WordAt(info[0], info[1]);
  int count = info[2].IsUndefined() ? 1 : Int32Arg(info[2], "count");
  return Napi::Number::New(info.Env(), FutexWakeShared(word, count));
}

void InitFutex(Napi::Env env, Napi::Object exports) {
  ExportFunctions(env, exports, {{"futexWait", FutexWait}, {"futexWake", FutexWake}});
}

}  // namespace pmp
