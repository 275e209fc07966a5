#include "timeout.h"

#include <math.h>
#include <time.h>

#include <string>

#include "errors.h"

namespace pmp {

double TimeoutMsArg(const Napi::Value& value, const char* call) {
  // One N-API call on the hot path (every queue put and get passes through).
  double ms = 0;
  if (napi_get_value_double(value.Env(), value, &ms) != napi_ok || isnan(ms)) {
    ThrowInvalidArgType(
        value, std::string(call) + ": timeoutMs must be a number of milliseconds (negative or Infinity: wait forever)");
  }
  if (ms < 0 || ms > kMaxTimeoutMs) return kWaitForever;
  return ms;
}

int64_t MonotonicUs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

int64_t DeadlineUs(double timeout_ms) {
  return timeout_ms < 0 ? -1 : MonotonicUs() + static_cast<int64_t>(timeout_ms * 1000);
}

double RemainingMs(int64_t deadline_us) {
  if (deadline_us < 0) return kWaitForever;
  int64_t left = deadline_us - MonotonicUs();
  return left > 0 ? left / 1000.0 : 0;
}

bool Expired(int64_t deadline_us) { return deadline_us >= 0 && deadline_us <= MonotonicUs(); }

}  // namespace pmp
