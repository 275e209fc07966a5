// The syscalls behind Pipe/Connection: socketpair, non-blocking read/write,
// poll with a timeout, dup. EINTR loops here; framing, EOF and errors policy
// live in lib/connection.ts.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "errors.h"

namespace pmp {

static int FdArg(const Napi::Value& v) {
  if (!v.IsNumber()) throw Napi::TypeError::New(v.Env(), "fd must be a number");
  return v.As<Napi::Number>().Int32Value();
}

static int SetNonBlocking(int fd, bool on) {
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0) return errno;
  int wanted = on ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK);
  if (wanted != flags && fcntl(fd, F_SETFL, wanted) != 0) return errno;
  return 0;
}

// socketpair() -> [fd, fd]: a connected AF_UNIX stream pair, close-on-exec, non-blocking.
static Napi::Value SocketPair(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0) ThrowErrno(env, errno, "socketpair");
  for (int fd : fds) {
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    SetNonBlocking(fd, true);
  }
  Napi::Array result = Napi::Array::New(env, 2);
  result.Set(0u, Napi::Number::New(env, fds[0]));
  result.Set(1u, Napi::Number::New(env, fds[1]));
  return result;
}

static Napi::Value SetNonBlockingJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (int err = SetNonBlocking(FdArg(info[0]), info[1].ToBoolean())) ThrowErrno(env, err, "fcntl");
  return env.Undefined();
}

// Validates (buffer, offset, length) against the buffer's bounds.
static uint8_t* Span(const Napi::CallbackInfo& info, size_t at, size_t* length) {
  Napi::Env env = info.Env();
  if (!info[at].IsTypedArray()) throw Napi::TypeError::New(env, "buffer must be a Buffer or Uint8Array");
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

// read(fd, buffer, offset, length) -> bytes read, 0 at end of file, -1 when it would block.
static Napi::Value Read(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info[0]);
  size_t length;
  uint8_t* data = Span(info, 1, &length);
  ssize_t n;
  do {
    n = read(fd, data, length);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return Napi::Number::New(env, -1);
    ThrowErrno(env, errno, "read");
  }
  return Napi::Number::New(env, static_cast<double>(n));
}

// write(fd, buffer, offset, length) -> bytes written, -1 when it would block.
static Napi::Value Write(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = FdArg(info[0]);
  size_t length;
  uint8_t* data = Span(info, 1, &length);
  ssize_t n;
  do {
    n = write(fd, data, length);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return Napi::Number::New(env, -1);
    ThrowErrno(env, errno, "write");
  }
  return Napi::Number::New(env, static_cast<double>(n));
}

static int64_t NowMs() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

// poll(fds: number[], events, timeoutMs) -> the indexes of the fds that are ready
// (readable or writable as asked, or hung up / in error). timeoutMs < 0 waits forever.
static Napi::Value Poll(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArray()) throw Napi::TypeError::New(env, "fds must be an array");
  Napi::Array list = info[0].As<Napi::Array>();
  short events = static_cast<short>(info[1].As<Napi::Number>().Int32Value() == 2 ? POLLOUT : POLLIN);
  double timeout = info[2].IsNumber() ? info[2].As<Napi::Number>().DoubleValue() : -1;
  std::vector<struct pollfd> fds;
  for (uint32_t i = 0; i < list.Length(); i++) fds.push_back({FdArg(list.Get(i)), events, 0});
  int64_t deadline = timeout < 0 ? -1 : NowMs() + static_cast<int64_t>(timeout);
  int rc;
  for (;;) {
    int wait_ms = deadline < 0 ? -1 : static_cast<int>(std::max<int64_t>(0, deadline - NowMs()));
    rc = poll(fds.data(), fds.size(), wait_ms);
    if (rc >= 0 || errno != EINTR) break;
  }
  if (rc < 0) ThrowErrno(env, errno, "poll");
  Napi::Array ready = Napi::Array::New(env);
  uint32_t count = 0;
  for (size_t i = 0; i < fds.size(); i++) {
    if (fds[i].revents & POLLNVAL) throw ErrnoError(env, EBADF, "poll");
    if (fds[i].revents != 0) ready.Set(count++, Napi::Number::New(env, static_cast<double>(i)));
  }
  return ready;
}

static Napi::Value Dup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = fcntl(FdArg(info[0]), F_DUPFD_CLOEXEC, 0);
  if (fd < 0) ThrowErrno(env, errno, "dup");
  return Napi::Number::New(env, fd);
}

void InitConnection(Napi::Env env, Napi::Object exports) {
  exports.Set("socketpair", Napi::Function::New(env, SocketPair, "socketpair"));
  exports.Set("setNonBlocking", Napi::Function::New(env, SetNonBlockingJs, "setNonBlocking"));
  exports.Set("read", Napi::Function::New(env, Read, "read"));
  exports.Set("write", Napi::Function::New(env, Write, "write"));
  exports.Set("poll", Napi::Function::New(env, Poll, "poll"));
  exports.Set("dup", Napi::Function::New(env, Dup, "dup"));
}

}  // namespace pmp
