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

#include "errors.h"

namespace pmp {

// Fills addr with path; false when the path does not fit in sun_path.
static bool UnixAddress(const std::string& path, struct sockaddr_un* addr) {
  memset(addr, 0, sizeof(*addr));
  addr->sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr->sun_path)) return false;
  memcpy(addr->sun_path, path.data(), path.size());
  return true;
}

static int MakeCloexecNonBlocking(int fd) {
  if (fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) return errno;
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) return errno;
  return 0;
}

static int NewStreamSocket(int* err) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  if (fd < 0) {
    *err = errno;
    return -1;
  }
  if ((*err = MakeCloexecNonBlocking(fd)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

static std::string PathArg(const Napi::Value& v) {
  if (!v.IsString()) throw Napi::TypeError::New(v.Env(), "path must be a string");
  return v.As<Napi::String>().Utf8Value();
}

[[noreturn]] static void CloseAndThrow(Napi::Env env, int fd, int err, const char* syscall) {
  close(fd);
  ThrowErrno(env, err, syscall);
}

// unixListen(path, backlog) -> fd bound to path and listening.
static Napi::Value UnixListen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = PathArg(info[0]);
  int backlog = info[1].IsNumber() ? info[1].As<Napi::Number>().Int32Value() : 128;
  struct sockaddr_un addr;
  if (!UnixAddress(path, &addr)) ThrowErrno(env, ENAMETOOLONG, "bind");
  int err = 0;
  int fd = NewStreamSocket(&err);
  if (fd < 0) ThrowErrno(env, err, "socket");
  if (bind(fd, reinterpret_cast<struct sockaddr*>(&addr), sizeof(addr)) != 0) CloseAndThrow(env, fd, errno, "bind");
  if (listen(fd, backlog) != 0) CloseAndThrow(env, fd, errno, "listen");
  return Napi::Number::New(env, fd);
}

// unixAccept(fd) -> a connected fd, or -1 when no connection is waiting.
static Napi::Value UnixAccept(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber()) throw Napi::TypeError::New(env, "fd must be a number");
  int listen_fd = info[0].As<Napi::Number>().Int32Value();
  int fd;
  do {
    fd = accept(listen_fd, nullptr, nullptr);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    // ECONNABORTED: the peer gave up before we accepted; nothing is waiting.
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED) return Napi::Number::New(env, -1);
    ThrowErrno(env, errno, "accept");
  }
  if (int e = MakeCloexecNonBlocking(fd)) CloseAndThrow(env, fd, e, "fcntl");
  return Napi::Number::New(env, fd);
}

// unixConnect(path) -> a connected fd, or -1 when the listener's backlog is
// full (EAGAIN on a non-blocking AF_UNIX connect: retry later).
static Napi::Value UnixConnect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = PathArg(info[0]);
  struct sockaddr_un addr;
  if (!UnixAddress(path, &addr)) ThrowErrno(env, ENAMETOOLONG, "connect");
  int err = 0;
  int fd = NewStreamSocket(&err);
  if (fd < 0) ThrowErrno(env, err, "socket");
  int rc;
  do {
    rc = connect(fd, reinterpret_cast<struct sockaddr*>(&addr), sizeof(addr));
  } while (rc != 0 && errno == EINTR);
  if (rc != 0) {
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
  exports.Set("unixListen", Napi::Function::New(env, UnixListen, "unixListen"));
  exports.Set("unixAccept", Napi::Function::New(env, UnixAccept, "unixAccept"));
  exports.Set("unixConnect", Napi::Function::New(env, UnixConnect, "unixConnect"));
}

}  // namespace pmp
