// Length-framed messages with file descriptors attached (SCM_RIGHTS) over a
// blocking unix socket: how the forkserver receives a child's description and
// the fds it needs (lib/reduction.ts decides what goes in them).
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <vector>

#include "addon.h"
#include "errors.h"
#include "posix_call.h"

namespace pmp {

constexpr size_t kMaxFds = 64;
#if defined(MSG_CMSG_CLOEXEC)
constexpr int kRecvFlags = MSG_CMSG_CLOEXEC;
#else
constexpr int kRecvFlags = 0;  // macOS: FD_CLOEXEC is set right after receipt
#endif

// The socket may be non-blocking (a libuv poll handle on it makes it so): wait
// for it rather than fail half-way through a message.
static void AwaitReady(Napi::Env env, int sock, short events) {
  struct pollfd p = {sock, events, 0};
  if (RetryOnEintr([&] { return poll(&p, 1, -1); }) < 0) ThrowErrno(env, errno, "poll");
}

// Runs one socket call, waiting for the socket (poll) while it would block.
// Returns the call's result; errno is set when it is negative.
template <typename Io>
static ssize_t RetryIo(Napi::Env env, int sock, short events, Io io) {
  for (;;) {
    ssize_t n = RetryOnEintr(io);
    if (n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) return n;
    AwaitReady(env, sock, events);
  }
}

// A message whose data is the 4-byte length word, with room for kMaxFds fds
// in its control part.
struct LengthMessage {
  uint32_t length;
  struct iovec iov;
  std::vector<char> control;
  struct msghdr msg;

  explicit LengthMessage(uint32_t length_word)
      : length(length_word), iov{&length, sizeof length}, control(CMSG_SPACE(sizeof(int) * kMaxFds)) {
    memset(&msg, 0, sizeof msg);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.data();
    msg.msg_controllen = control.size();
  }
  LengthMessage(const LengthMessage&) = delete;
  LengthMessage& operator=(const LengthMessage&) = delete;
};

static void WriteAll(Napi::Env env, int sock, const uint8_t* data, size_t len) {
  while (len > 0) {
    ssize_t n = RetryIo(env, sock, POLLOUT, [&] { return write(sock, data, len); });
    if (n < 0) ThrowErrno(env, errno, "write");
    data += n;
    len -= static_cast<size_t>(n);
  }
}

// Returns false on EOF before the first byte.
static bool ReadAll(Napi::Env env, int sock, uint8_t* data, size_t len) {
  size_t got = 0;
  while (got < len) {
    ssize_t n = RetryIo(env, sock, POLLIN, [&] { return read(sock, data + got, len - got); });
    if (n < 0) ThrowErrno(env, errno, "read");
    if (n == 0) {
      if (got == 0) return false;
      ThrowErrno(env, EPIPE, "read");
    }
    got += static_cast<size_t>(n);
  }
  return true;
}

// sendMessage(socket, data, fds): a 4-byte length, then the bytes; fds ride on the header.
static Napi::Value SendMessage(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sock = Int32Arg(info[0], "socket");
  Napi::Uint8Array data = info[1].As<Napi::Uint8Array>();
  Napi::Array fd_list = info[2].As<Napi::Array>();
  std::vector<int> fds;
  for (uint32_t i = 0; i < fd_list.Length(); i++) fds.push_back(Int32Arg(fd_list.Get(i), "fd"));
  if (fds.size() > kMaxFds) throw Napi::RangeError::New(env, "at most 64 file descriptors per message");

  LengthMessage message(static_cast<uint32_t>(data.ByteLength()));
  struct msghdr& msg = message.msg;
  if (fds.empty()) {
    msg.msg_control = nullptr;
    msg.msg_controllen = 0;
  } else {
    msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
    struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
    memcpy(CMSG_DATA(cmsg), fds.data(), sizeof(int) * fds.size());
  }
  ssize_t sent = RetryIo(env, sock, POLLOUT, [&] { return sendmsg(sock, &msg, 0); });
  if (sent < 0) ThrowErrno(env, errno, "sendmsg");
  if (static_cast<size_t>(sent) < sizeof message.length) {
    WriteAll(env, sock, reinterpret_cast<uint8_t*>(&message.length) + sent, sizeof message.length - sent);
  }
  WriteAll(env, sock, data.Data(), data.ByteLength());
  return env.Undefined();
}

// recvMessage(socket): { data, fds }, or null at end of stream. Received fds are close-on-exec.
static Napi::Value RecvMessage(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sock = Int32Arg(info[0], "socket");
  LengthMessage message(0);
  struct msghdr& msg = message.msg;
  ssize_t got = RetryIo(env, sock, POLLIN, [&] { return recvmsg(sock, &msg, kRecvFlags); });
  if (got < 0) ThrowErrno(env, errno, "recvmsg");
  if (got == 0) return env.Null();
  std::vector<int> received;
  for (struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg); cmsg != nullptr; cmsg = CMSG_NXTHDR(&msg, cmsg)) {
    if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) continue;
    size_t count = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; i++) {
      int fd;
      memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof fd);
      received.push_back(fd);
    }
  }
  if (kRecvFlags == 0) MakeCloseOnExec(env, received.data(), received.size());
  Napi::Array fds = Napi::Array::New(env, received.size());
  for (size_t i = 0; i < received.size(); i++) fds.Set(static_cast<uint32_t>(i), Napi::Number::New(env, received[i]));
  uint32_t& length = message.length;
  if (static_cast<size_t>(got) < sizeof length) {
    ReadAll(env, sock, reinterpret_cast<uint8_t*>(&length) + got, sizeof length - got);
  }
  Napi::Buffer<uint8_t> data = Napi::Buffer<uint8_t>::New(env, length);
  if (length > 0 && !ReadAll(env, sock, data.Data(), length)) ThrowErrno(env, EPIPE, "read");
  Napi::Object result = Napi::Object::New(env);
  result.Set("data", data);
  result.Set("fds", fds);
  return result;
}

void InitFdPassing(Napi::Env env, Napi::Object exports) {
  ExportFunctions(env, exports, {{"sendMessage", SendMessage}, {"recvMessage", RecvMessage}});
}

}  // namespace pmp
