// How every syscall in native/ is called, decided once: retried while it fails
// with EINTR, fd flags set with the result checked, and the fds of a call that
// failed half-way closed before the error is thrown. RetryOnEintr and the flag
// setters allocate nothing and take no lock: safe in a raw forked child.
#pragma once
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "errors.h"

namespace pmp {

// Calls `call` again while it fails (returns a negative value) with EINTR.
// Returns its last result, with errno as that call left it. Not for close():
// on Linux the fd is gone even when close() reports EINTR.
template <typename Call>
inline auto RetryOnEintr(Call call) -> decltype(call()) {
  for (;;) {
    auto result = call();
    if (!(result < 0 && errno == EINTR)) return result;
  }
}

// The fd-flag setters return 0 or an errno value (for callers that must clean
// up before reporting it, or cannot throw).
inline int SetCloseOnExec(int fd) { return fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 ? 0 : errno; }

inline int SetNonBlocking(int fd, bool on) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return errno;
  int wanted = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
  if (wanted != flags && fcntl(fd, F_SETFL, wanted) != 0) return errno;
  return 0;
}

inline int SetCloseOnExecNonBlocking(int fd) {
  if (int err = SetCloseOnExec(fd)) return err;
  return SetNonBlocking(fd, true);
}

// Gives up fds we just made (an fcntl or a later step failed) and throws `err`.
[[noreturn]] inline void CloseAndThrow(Napi::Env env, const int* fds, size_t count, int err, const char* syscall) {
  for (size_t i = 0; i < count; i++) close(fds[i]);
  ThrowErrno(env, err, syscall);
}

[[noreturn]] inline void CloseAndThrow(Napi::Env env, int fd, int err, const char* syscall) {
  CloseAndThrow(env, &fd, 1, err, syscall);
}

// fds made by a call that cannot set close-on-exec itself: sets it on each, or
// closes them all and throws.
inline void MakeCloseOnExec(Napi::Env env, const int* fds, size_t count) {
  for (size_t i = 0; i < count; i++) {
    if (int err = SetCloseOnExec(fds[i])) CloseAndThrow(env, fds, count, err, "fcntl");
  }
}

}  // namespace pmp
