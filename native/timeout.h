// Timeouts as they cross from JavaScript, and the one clock every native wait
// measures them on. The native contract (lib/native.ts): milliseconds, and any
// negative value waits forever (lib/ passes -1). A timeout is checked before
// any cast, since casting NaN, Infinity or 1e300 to an integer is undefined
// behaviour: NaN and non-numbers are refused with a TypeError (code
// ERR_INVALID_ARG_TYPE); +Infinity and anything above kMaxTimeoutMs wait
// forever (no wait could tell the difference, and deadlines stay far inside int64).
#pragma once
#include <napi.h>
#include <stdint.h>

namespace pmp {

constexpr double kWaitForever = -1;
constexpr double kMaxTimeoutMs = 9e12;  // ~285 years; as microseconds, 1/1000 of INT64_MAX

// The timeout argument `value` of `call`: kWaitForever, or milliseconds in [0, kMaxTimeoutMs].
double TimeoutMsArg(const Napi::Value& value, const char* call);

// CLOCK_MONOTONIC in microseconds.
int64_t MonotonicUs();

// The deadline `timeout_ms` from now on MonotonicUs(), or -1 for kWaitForever.
int64_t DeadlineUs(double timeout_ms);

// Milliseconds left until deadline_us, never negative; kWaitForever for -1.
double RemainingMs(int64_t deadline_us);

bool Expired(int64_t deadline_us);

}  // namespace pmp
