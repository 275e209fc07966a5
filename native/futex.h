// Futex words in shared memory: the one waiting primitive every lock,
// semaphore, condition, event, barrier and queue of this library sleeps on.
// Linux: non-private futexes (keyed by the mapped file and offset, so they work
// across processes). macOS: __ulock_wait/__ulock_wake with the _SHARED
// operations (cross-process since 10.12). Elsewhere: polling.
#pragma once
#include <napi.h>
#include <stdint.h>

namespace pmp {

enum class FutexWaitResult { kWoken, kNotEqual, kTimedOut };

// Sleeps while *word == expected, at most timeout_ms (< 0: no limit). Retries
// EINTR with the time left. Returns an errno value in *err on failure.
FutexWaitResult FutexWaitShared(uint32_t* word, uint32_t expected, double timeout_ms, int* err);

// Wakes up to `count` waiters on word; returns how many (0 where unknown).
int FutexWakeShared(uint32_t* word, int count);

// The address of the aligned 32-bit word at `byteOffset` of a Buffer/TypedArray;
// throws a RangeError if it is out of bounds or misaligned.
uint32_t* WordAt(const Napi::Value& view, const Napi::Value& byte_offset);

}  // namespace pmp
