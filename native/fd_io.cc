// File-descriptor I/O, the syscalls behind Pipe/Connection: pipe, socketpair,
// close, dup, non-blocking read/write, and poll with a timeout. Framing, EOF
// and error policy live in lib/connection.ts.
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "addon.h"
#include "errors.h"
#include "posix_call.h"
#include "timeout.h"

namespace pmp {

static Napi::Value FdPair(Napi::Env env, const int fds[2]) {
  Napi::Array result = Napi::Array::New(env, 2);
  result.Set(0u, Napi::Number::New(env, fds[0]));
  result.Set(1u, Napi::Number::New(env, fds[1]));
  return result;
}

// pipe() -> [readFd, writeFd], close-on-exec.
static Napi::Value Pipe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fds[2];
#if defined(__linux__)
  if (pipe2(fds, O_CLOEXEC) != 0) ThrowErrno(env, errno, "pipe");
#else
  if (pipe(fds) != 0) ThrowErrno(env, errno, "pipe");
  MakeCloseOnExec(env, fds, 2);
#endif
  return FdPair(env, fds);
}

// socketpair() -> [fd, fd]: a connected AF_UNIX stream pair, close-on-exec, non-blocking.
static Napi::Value SocketPair(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) ThrowErrno(env, errno, "socketpair");
  for (int fd : fds) {
    if (int err = SetCloseOnExecNonBlocking(fd)) CloseAndThrow(env, fds, 2, err, "fcntl");
  }
  return FdPair(env, fds);
}

// setSendBuffer(fd, bytes): asks for a socket send buffer of `bytes`. Best
// effort: the kernel caps the request (net.core.wmem_max on Linux,
// kern.ipc.maxsockbuf on macOS), and a refusal leaves the socket as it was.
static Napi::Value SetSendBuffer(const Napi::CallbackInfo& info) {
  int fd = Int32Arg(info[0], "fd");
  int bytes = Int32Arg(info[1], "bytes");
  (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bytes, sizeof(bytes));
  return info.Env().Undefined();
}

static Napi::Value CloseFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  // Never retried: on Linux the fd is released even when close() reports EINTR.
  if (close(Int32Arg(info[0], "fd")) != 0 && errno != EINTR) ThrowErrno(env, errno, "close");
  return env.Undefined();
}

// dup(fd) -> a close-on-exec duplicate.
static Napi::Value Dup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = fcntl(Int32Arg(info[0], "fd"), F_DUPFD_CLOEXEC, 0);
  if (fd < 0) ThrowErrno(env, errno, "dup");
  return Napi::Number::New(env, fd);
}

static Napi::Value SetNonBlockingJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (int err = SetNonBlocking(Int32Arg(info[0], "fd"), info[1].ToBoolean())) ThrowErrno(env, err, "fcntl");
  return env.Undefined();
}

// Validates (buffer, offset, length) against the buffer's bounds.
static uint8_t* Span(const Napi::CallbackInfo& info, size_t at, size_t* length) {
  Napi::Env env = info.Env();
  if (!info[at].IsTypedArray()) ThrowInvalidArgType(info[at], "buffer must be a Buffer or Uint8Array");
  Napi::TypedArray array = info[at].As<Napi::TypedArray>();
  uint8_t* data = static_cast<uint8_t*>(array.ArrayBuffer().Data()) + array.ByteOffset();
  double offset = info[at + 1].As<Napi::Number>().DoubleValue();
  double len = info[at + 2].As<Napi::Number>().DoubleValue();
  if (!(offset >= 0) || !(len >= 0) || offset + len > static_cast<double>(array.ByteLength())) {
    throw Napi::RangeError::New(env, "offset/length out of the buffer's bounds");
  }
  *length = static_cast<size_t>(len);
  return data + static_cast<size_t>(offset);
}

// read and write: (fd, buffer, offset, length) -> bytes moved (read: 0 at end
// of file), or -1 when it would block.
template <typename Io>
static Napi::Value Transfer(const Napi::CallbackInfo& info, Io io, const char* syscall) {
  Napi::Env env = info.Env();
  int fd = Int32Arg(info[0], "fd");
  size_t length;
  uint8_t* data = Span(info, 1, &length);
  ssize_t n = RetryOnEintr([&] { return io(fd, data, length); });
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return Napi::Number::New(env, -1);
    ThrowErrno(env, errno, syscall);
  }
  return Napi::Number::New(env, static_cast<double>(n));
}

static Napi::Value Read(const Napi::CallbackInfo& info) { return Transfer(info, read, "read"); }

static Napi::Value Write(const Napi::CallbackInfo& info) { return Transfer(info, write, "write"); }

// poll()'s timeout for the time left until deadline_us: whole milliseconds
// rounded up (so it never wakes early and spins), at most INT_MAX; -1 forever.
static int PollTimeoutMs(int64_t deadline_us) {
  double left = RemainingMs(deadline_us);
  return left < 0 ? -1 : static_cast<int>(std::min(ceil(left), static_cast<double>(INT_MAX)));
}

// poll(fds: number[], events, timeoutMs) -> the indexes of the fds that are ready
// (readable or writable as asked, or hung up / in error). timeoutMs < 0 waits forever.
static Napi::Value Poll(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArray()) ThrowInvalidArgType(info[0], "poll: fds must be an array");
  Napi::Array list = info[0].As<Napi::Array>();
  short events = static_cast<short>(Int32Arg(info[1], "events") == 2 ? POLLOUT : POLLIN);
  int64_t deadline = DeadlineUs(TimeoutMsArg(info[2], "poll"));
  std::vector<struct pollfd> fds;
  for (uint32_t i = 0; i < list.Length(); i++) fds.push_back({Int32Arg(list.Get(i), "fd"), events, 0});
  int rc;
  do {  // again when a slice of an over-long timeout ended before the deadline
    rc = RetryOnEintr([&] { return poll(fds.data(), fds.size(), PollTimeoutMs(deadline)); });
  } while (rc == 0 && !Expired(deadline));
  if (rc < 0) ThrowErrno(env, errno, "poll");
  Napi::Array ready = Napi::Array::New(env);
  uint32_t count = 0;
  for (size_t i = 0; i < fds.size(); i++) {
    if (fds[i].revents & POLLNVAL) throw ErrnoError(env, EBADF, "poll");
    if (fds[i].revents != 0) ready.Set(count++, Napi::Number::New(env, static_cast<double>(i)));
  }
  return ready;
}

void InitFdIo(Napi::Env env, Napi::Object exports) {
  ExportFunctions(env, exports,
                  {{"pipe", Pipe},
                   {"socketpair", SocketPair},
                   {"setSendBuffer", SetSendBuffer},
                   {"close", CloseFd},
                   {"dup", Dup},
                   {"setNonBlocking", SetNonBlockingJs},
                   {"read", Read},
                   {"write", Write},
                   {"poll", Poll}});
}

}  // namespace pmp
