// The syscalls behind Listener/Client: AF_UNIX stream sockets bound to a path.
// Every socket is close-on-exec and non-blocking; EINTR is retried here and
// "would block" is returned as -1 so the caller can wait (lib/listener.ts).
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <string>

#include "addon.h"
#include "errors.h"
#include "posix_call.h"

namespace pmp {

// Fills addr with path; false when the path does not fit in sun_path.
static bool UnixAddress(const std::string& path, struct sockaddr_un* addr) {
  memset(addr, 0, sizeof(*addr));
  addr->sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr->sun_path)) return false;
  memcpy(addr->sun_path, path.data(), path.size());
  return true;
}

static int NewStreamSocket(Napi::Env env) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) ThrowErrno(env, errno, "socket");
  if (int err = SetCloseOnExecNonBlocking(fd)) CloseAndThrow(env, fd, err, "fcntl");
  return fd;
}

static std::string PathArg(const Napi::Value& v) {
  if (!v.IsString()) ThrowInvalidArgType(v, "path must be a string");
  return v.As<Napi::String>().Utf8Value();
}

// unixListen(path, backlog) -> fd bound to path and listening.
static Napi::Value UnixListen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = PathArg(info[0]);
  int backlog = info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : 128;
  struct sockaddr_un addr;
  if (!UnixAddress(path, &addr)) ThrowErrno(env, ENAMETOOLONG, "bind");
  int fd = NewStreamSocket(env);
  if (bind(fd, reinterpret_cast<struct sockaddr*>(&addr), sizeof(addr)) != 0) CloseAndThrow(env, fd, errno, "bind");
  if (listen(fd, backlog) != 0) CloseAndThrow(env, fd, errno, "listen");
  return Napi::Number::New(env, fd);
}

// unixAccept(fd) -> a connected fd, or -1 when no connection is waiting.
static Napi::Value UnixAccept(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int listen_fd = Int32Arg(info[0], "fd");
  int fd = RetryOnEintr([&] { return accept(listen_fd, nullptr, nullptr); });
  if (fd < 0) {
    // ECONNABORTED: the peer gave up before we accepted; nothing is waiting.
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED) return Napi::Number::New(env, -1);
    ThrowErrno(env, errno, "accept");
  }
  if (int err = SetCloseOnExecNonBlocking(fd)) CloseAndThrow(env, fd, err, "fcntl");
  return Napi::Number::New(env, fd);
}

// unixConnect(path) -> a connected fd, or -1 when the listener's backlog is
// full (EAGAIN on a non-blocking AF_UNIX connect: retry later).
static Napi::Value UnixConnect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = PathArg(info[0]);
  struct sockaddr_un addr;
  if (!UnixAddress(path, &addr)) ThrowErrno(env, ENAMETOOLONG, "connect");
  int fd = NewStreamSocket(env);
  if (RetryOnEintr([&] { return connect(fd, reinterpret_cast<struct sockaddr*>(&addr), sizeof(addr)); }) != 0) {
    int e = errno;
    if (e == EAGAIN) {
      close(fd);
      return Napi::Number::New(env, -1);
    }
    CloseAndThrow(env, fd, e, "connect");
  }
  return Napi::Number::New(env, fd);
}

void InitUnixSocket(Napi::Env env, Napi::Object exports) {
  ExportFunctions(env, exports, {{"unixListen", UnixListen}, {"unixAccept", UnixAccept}, {"unixConnect", UnixConnect}});
}

}  // namespace pmp
