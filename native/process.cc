// fork/waitpid/kill/_exit and friends, and the event-loop calls a forked child
// needs: thin wrappers, errno to JS errors. Policy (when fork is safe, what the
// child does) lives in lib/.
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#if defined(__linux__)
#include <sys/prctl.h>
#endif
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <string>
#include <vector>

#include "addon.h"
#include "child_platform.h"
#include "errors.h"
#include "fork_advice.h"
#include "libuv.h"
#include "posix_call.h"

namespace pmp {

static uv_loop_t* EventLoop(Napi::Env env) {
  struct uv_loop_s* loop = nullptr;
  napi_get_uv_event_loop(env, &loop);
  return loop;
}

// fork(adviceMode = "probe"): returns 0 in the child, the child's pid in the parent.
static Napi::Value Fork(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  AdviceMode mode = AdviceMode::kProbe;
  if (info.Length() > 0 && info[0].IsString() && !ParseAdviceMode(info[0].As<Napi::String>().Utf8Value(), &mode)) {
    throw Napi::TypeError::New(env, "advice mode must be 'probe', 'smaps' or 'anon'");
  }
  PrepareChildPlatform();
  std::vector<AddressRange> ranges;
  const char* failed_syscall = "fork";
  if (int err = FindDontForkRanges(mode, &ranges, &failed_syscall)) ThrowErrno(env, err, failed_syscall);
#if defined(__linux__)
  AdviseRanges(ranges, MADV_DOFORK);
#endif
  pid_t pid = fork();
  int fork_errno = errno;
#if defined(__linux__)
  if (mode != AdviceMode::kAnon) AdviseRanges(ranges, MADV_DONTFORK);
#endif
  if (pid < 0) ThrowErrno(env, fork_errno, "fork");
  if (pid == 0) {
    BecomeChildPlatform();
    int err = uv_loop_fork(EventLoop(env));
    if (err != 0) {
      // The child cannot run JavaScript without its loop; say so and leave.
      const char msg[] = "posix-multiprocessing: uv_loop_fork failed in the child\n";
      ssize_t ignored = write(2, msg, sizeof(msg) - 1);
      (void)ignored;
      _exit(70);
    }
  }
  return Napi::Number::New(env, pid);
}

// Whether a forked child will see a platform without worker threads (see
// child_platform.cc); for tests and diagnostics.
static Napi::Value ChildPlatformPatchable(const Napi::CallbackInfo& info) {
  PrepareChildPlatform();
  return Napi::Boolean::New(info.Env(), ChildPlatformReady());
}

static Napi::Value DescribeStatus(Napi::Env env, pid_t pid, int status) {
  Napi::Object result = Napi::Object::New(env);
  result.Set("pid", Napi::Number::New(env, pid));
  result.Set("status", Napi::Number::New(env, status));
  if (pid > 0 && WIFEXITED(status)) {
    result.Set("exitCode", Napi::Number::New(env, WEXITSTATUS(status)));
    result.Set("signal", env.Null());
  } else if (pid > 0 && WIFSIGNALED(status)) {
    result.Set("exitCode", env.Null());
    result.Set("signal", Napi::Number::New(env, WTERMSIG(status)));
  } else {
    result.Set("exitCode", env.Null());
    result.Set("signal", env.Null());
  }
  return result;
}

// waitpid(pid, options): never called with pid <= 0 (that would reap children
// that belong to child_process); lib/ checks the argument.
static Napi::Value WaitPid(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  pid_t pid = Int32Arg(info[0], "pid");
  int options = info.Length() > 1 && !info[1].IsUndefined() ? Int32Arg(info[1], "options") : 0;
  int status = 0;
  pid_t got = RetryOnEintr([&] { return waitpid(pid, &status, options); });
  if (got < 0) ThrowErrno(env, errno, "waitpid");
  return DescribeStatus(env, got, status);
}

static Napi::Value GetPid(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), getpid()); }

static Napi::Value GetPpid(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), getppid()); }

static Napi::Value Kill(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  pid_t pid = Int32Arg(info[0], "pid");
  int sig = Int32Arg(info[1], "signal");
  if (kill(pid, sig) != 0) ThrowErrno(env, errno, "kill");
  return env.Undefined();
}

// _exit: the forked child must never take Node's own exit path (it joins
// V8 platform threads that do not exist in the child). lib/ drains stdio first.
static Napi::Value Exit(const Napi::CallbackInfo& info) {
  int code = info.Length() > 0 && info[0].IsNumber() ? info[0].As<Napi::Number>().Int32Value() : 0;
  _exit(code & 0xff);
}

// pidfd_open(pid): an fd that becomes readable when the process ends (Linux >= 5.3).
static Napi::Value PidfdOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  pid_t pid = Int32Arg(info[0], "pid");
#if defined(__linux__) && defined(SYS_pidfd_open)
  long fd = syscall(SYS_pidfd_open, pid, 0);  // pidfds are always close-on-exec
  if (fd < 0) ThrowErrno(env, errno, "pidfd_open");
  return Napi::Number::New(env, static_cast<double>(fd));
#else
  (void)pid;
  ThrowErrno(env, ENOSYS, "pidfd_open");
#endif
}

// Whether the loop still has active handles or requests (the forked child's
// 'beforeExit' check: Node's own exit path must not run there).
static Napi::Value LoopAlive(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), uv_loop_alive(EventLoop(info.Env())) != 0);
}

// One turn of the event loop from inside a JS call. Only the `fork` start
// method uses it, in the child, to run an async target to completion without
// returning into the parent's call stack (which would run the parent's code).
// runLoopOnce(noWait): with noWait, only what is ready now runs (UV_RUN_NOWAIT).
static Napi::Value RunLoopOnce(const Napi::CallbackInfo& info) {
  bool no_wait = info.Length() > 0 && info[0].ToBoolean();
  return Napi::Boolean::New(info.Env(), uv_run(EventLoop(info.Env()), no_wait ? kUvRunNoWait : kUvRunOnce) != 0);
}

// The signal a child gets when its parent dies (Linux); daemon children use it.
static Napi::Value SetParentDeathSignal(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int sig = Int32Arg(info[0], "signal");
#if defined(__linux__)
  if (prctl(PR_SET_PDEATHSIG, sig) != 0) ThrowErrno(env, errno, "prctl");
  return Napi::Boolean::New(env, true);
#else
  (void)sig;
  return Napi::Boolean::New(env, false);
#endif
}

// malloc_trim(0): hands the free pages inside malloc's heap back to the
// kernel. A process that forks many children (the forkserver) copies the
// page table of every resident page at each fork, and copies on write any
// of them it reuses; glibc alone only gives back the top of the heap.
static Napi::Value TrimFreeMemory(const Napi::CallbackInfo& info) {
#if defined(__GLIBC__)
  return Napi::Boolean::New(info.Env(), malloc_trim(0) != 0);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

// waitid(WEXITED | WNOWAIT): the exit status of a child without reaping it, so
// the owner of the child (libuv for child_process children) still can.
static Napi::Value PeekExit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  pid_t pid = Int32Arg(info[0], "pid");
  siginfo_t si;
  memset(&si, 0, sizeof si);
  int r = RetryOnEintr([&] { return waitid(P_PID, pid, &si, WEXITED | WNOWAIT | WNOHANG); });
  if (r < 0) ThrowErrno(env, errno, "waitid");
  if (si.si_pid == 0) return env.Null();
  Napi::Object result = Napi::Object::New(env);
  bool exited = si.si_code == CLD_EXITED;
  result.Set("exitCode", exited ? Napi::Number::New(env, si.si_status) : env.Null());
  result.Set("signal", exited ? env.Null() : Napi::Number::New(env, si.si_status));
  return result;
}

// Syscalls a helper thread sits in when it holds no lock and does no work
// (waiting on a condition variable, or on its own event loop). lib/fork_safety
// compares them with /proc/self/task/*/syscall.
static Napi::Value IdleSyscalls(Napi::Env env) {
  Napi::Array list = Napi::Array::New(env);
#if defined(__linux__)
  long idle[] = {
#ifdef SYS_futex
      SYS_futex,
#endif
#ifdef SYS_futex_waitv
      SYS_futex_waitv,
#endif
#ifdef SYS_epoll_wait
      SYS_epoll_wait,
#endif
#ifdef SYS_epoll_pwait
      SYS_epoll_pwait,
#endif
#ifdef SYS_epoll_pwait2
      SYS_epoll_pwait2,
#endif
  };
  for (long nr : idle) list.Set(list.Length(), Napi::Number::New(env, static_cast<double>(nr)));
#endif
  return list;
}

void InitProcess(Napi::Env env, Napi::Object exports) {
  ExportFunctions(env, exports,
                  {{"fork", Fork},
                   {"childPlatformPatchable", ChildPlatformPatchable},
                   {"waitpid", WaitPid},
                   {"getpid", GetPid},
                   {"getppid", GetPpid},
                   {"kill", Kill},
                   {"exit", Exit},
                   {"pidfdOpen", PidfdOpen},
                   {"loopAlive", LoopAlive},
                   {"runLoopOnce", RunLoopOnce},
                   {"setParentDeathSignal", SetParentDeathSignal},
                   {"trimFreeMemory", TrimFreeMemory},
                   {"peekExit", PeekExit}});
  exports.Set("idleSyscalls", IdleSyscalls(env));
  exports.Set("WNOHANG", Napi::Number::New(env, WNOHANG));
}

}  // namespace pmp
