// Futex words in shared memory: the one waiting primitive every lock,
// semaphore, condition, event, barrier and queue of this library sleeps on.
// Linux: non-private futexes (keyed by the mapped file and offset, so they work
// across processes). macOS: __ulock_wait/__ulock_wake with the _SHARED
// operations (cross-process since 10.12). Elsewhere: polling.
#pragma once
#include <napi.h>
#include <stdint.h>

#if defined(__APPLE__)
// Darwin's private but stable futex equivalent (used by libc++ and Chromium).
extern "C" int __ulock_wait(uint32_t operation, void* addr, uint64_t value, uint32_t timeout_us);
extern "C" int __ulock_wake(uint32_t operation, void* addr, uint64_t wake_value);
#endif

namespace pmp {

#if defined(__APPLE__)
constexpr uint32_t kUlCompareAndWait = 1;        // UL_COMPARE_AND_WAIT: this process only
constexpr uint32_t kUlCompareAndWaitShared = 3;  // UL_COMPARE_AND_WAIT_SHARED
constexpr uint32_t kUlfWakeAll = 0x00000100;     // ULF_WAKE_ALL
constexpr uint32_t kUlfNoErrno = 0x01000000;     // ULF_NO_ERRNO
#endif

enum class FutexWaitResult { kWoken, kNotEqual, kTimedOut };

// Sleeps while *word == expected, at most timeout_ms (kWaitForever: no limit;
// 0 times out at once without looking). Retries EINTR with the time left.
// Returns an errno value in *err on failure.
FutexWaitResult FutexWaitShared(uint32_t* word, uint32_t expected, double timeout_ms, int* err);

// Wakes up to `count` waiters on word; returns how many (0 where unknown).
int FutexWakeShared(uint32_t* word, int count);

// The address of the aligned 32-bit word at `byteOffset` of a Buffer/TypedArray;
// throws a RangeError if it is out of bounds or misaligned.
uint32_t* WordAt(const Napi::Value& view, const Napi::Value& byte_offset);

}  // namespace pmp
