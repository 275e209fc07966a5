// FutexWaiter: one persistent thread per process (per JS environment) that
// sleeps on every pending asynchronous futex wait at once and reports the ones
// that completed to the main thread through an eventfd, which lib/waiter.ts
// watches with FdWatch (a libuv poll handle). No libuv thread-pool work (it
// would starve fs: 5 such waiters made an unrelated readFile take 1.5 s, not 4 ms) and no thread per waiter.
//
// Linux >= 5.16: futex_waitv(2) sleeps on up to 128 words in one call: a private
// "doorbell" word (rung when the set of waits changes) plus up to 127 distinct
// (word, expected value) pairs; waits on the same pair share one entry, so 1,000
// waiters on one Event cost one entry. Beyond 127 distinct pairs, or without
// futex_waitv, the thread also re-reads every word each millisecond or two.
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "addon.h"
#include "errors.h"
#include "futex.h"
#include "posix_call.h"

#if defined(__linux__)
#include <linux/futex.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif
#endif

namespace pmp {

namespace {

constexpr size_t kMaxWaitv = 128;  // the kernel's FUTEX_WAITV_MAX
constexpr long kPollNanos = 2 * 1000 * 1000;

struct WaitvEntry {  // struct futex_waitv
  uint64_t val;
  uint64_t uaddr;
  uint32_t flags;
  uint32_t reserved;
};
constexpr uint32_t kFutex2SizeU32 = 0x02;
constexpr uint32_t kFutex2Private = 128;

struct PendingWait {
  double id;
  uint32_t* word;
  uint32_t expected;
};

}  // namespace

class FutexWaiter : public Napi::ObjectWrap<FutexWaiter> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "FutexWaiter",
                       {InstanceAccessor("fd", &FutexWaiter::Fd, nullptr), InstanceMethod("add", &FutexWaiter::Add),
                        InstanceMethod("cancel", &FutexWaiter::Cancel), InstanceMethod("take", &FutexWaiter::Take),
                        InstanceMethod("afterForkInChild", &FutexWaiter::AfterForkInChild),
                        InstanceMethod("close", &FutexWaiter::Close)});
  }

  explicit FutexWaiter(const Napi::CallbackInfo& info) : Napi::ObjectWrap<FutexWaiter>(info) {
    pthread_mutex_init(&mutex_, nullptr);
    Start(info.Env());
  }

  ~FutexWaiter() override { Stop(); }

 private:
  // Notification fd + thread; throws what failed.
  void Start(Napi::Env env) {
#if defined(__linux__)
    notify_read_ = notify_write_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (notify_read_ < 0) ThrowErrno(env, errno, "eventfd");
#else
    int fds[2];
    if (pipe(fds) != 0) ThrowErrno(env, errno, "pipe");
    for (int fd : fds) {
      if (int err = SetCloseOnExecNonBlocking(fd)) CloseAndThrow(env, fds, 2, err, "fcntl");
    }
    notify_read_ = fds[0];
    notify_write_ = fds[1];
#endif
    stopping_ = false;
    // The thread takes no signals: they belong to Node's main thread.
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    int err = pthread_create(&thread_, nullptr, ThreadMain, this);
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    running_ = err == 0;
    if (err != 0) ThrowErrno(env, err, "pthread_create");
  }

  void CloseNotifyFds() {
    if (notify_read_ >= 0) close(notify_read_);
    if (notify_write_ >= 0 && notify_write_ != notify_read_) close(notify_write_);
    notify_read_ = notify_write_ = -1;
  }

  void Stop() {
    if (running_) {
      pthread_mutex_lock(&mutex_);
      stopping_ = true;
      pthread_mutex_unlock(&mutex_);
      RingDoorbell();
      pthread_join(thread_, nullptr);
      running_ = false;
    }
    CloseNotifyFds();
  }

  void RingDoorbell() {
    __atomic_add_fetch(&doorbell_, 1, __ATOMIC_SEQ_CST);
#if defined(__linux__)
    syscall(SYS_futex, &doorbell_, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
#elif defined(__APPLE__)
    __ulock_wake(kUlCompareAndWait | kUlfNoErrno, &doorbell_, 0);
#endif
  }

  // Called with mutex_ held: tells the main thread that `done_` has entries.
  void NotifyMainThread() {
#if defined(__linux__)
    uint64_t one = 1;
    ssize_t ignored = write(notify_write_, &one, sizeof(one));
#else
    char one = 1;
    ssize_t ignored = write(notify_write_, &one, 1);
#endif
    (void)ignored;
  }

  // Moves waits whose word changed (or that were woken: `woken` non-null) to done_.
  bool CompleteChanged(const uint32_t* woken_word, uint32_t woken_expected) {
    size_t before = done_.size();
    auto keep = std::remove_if(pending_.begin(), pending_.end(), [&](const PendingWait& wait) {
      bool woken = woken_word != nullptr && wait.word == woken_word && wait.expected == woken_expected;
      if (!woken && __atomic_load_n(wait.word, __ATOMIC_SEQ_CST) == wait.expected) return false;
      done_.push_back(wait.id);
      return true;
    });
    pending_.erase(keep, pending_.end());
    return done_.size() != before;
  }

  static void* ThreadMain(void* arg) {
    static_cast<FutexWaiter*>(arg)->Run();
    return nullptr;
  }

  void Run() {
    std::vector<WaitvEntry> entries;
    entries.reserve(kMaxWaitv);
#if defined(__linux__)
    // Until the kernel says ENOSYS (< 5.16); the variable lets tests take the fallback.
    bool have_waitv = getenv("PMP_NO_FUTEX_WAITV") == nullptr;
#else
    bool have_waitv = false;
#endif
    pthread_mutex_lock(&mutex_);
    while (!stopping_) {
      if (CompleteChanged(nullptr, 0)) NotifyMainThread();
      uint32_t bell = __atomic_load_n(&doorbell_, __ATOMIC_SEQ_CST);
      entries.clear();
      entries.push_back({bell, reinterpret_cast<uintptr_t>(&doorbell_), kFutex2SizeU32 | kFutex2Private, 0});
      bool overflow = false;
      for (const PendingWait& wait : pending_) {
        auto same = [&](const WaitvEntry& e) {
          return e.uaddr == reinterpret_cast<uintptr_t>(wait.word) && e.val == wait.expected;
        };
        if (std::any_of(entries.begin() + 1, entries.end(), same)) continue;
        if (entries.size() == kMaxWaitv) {
          overflow = true;
          break;
        }
        entries.push_back({wait.expected, reinterpret_cast<uintptr_t>(wait.word), kFutex2SizeU32, 0});
      }
      bool any_pending = !pending_.empty();
      bool poll = overflow || (!have_waitv && any_pending);
      pthread_mutex_unlock(&mutex_);

      long woken_index = -1;
#if defined(__linux__)
      struct timespec deadline;
      clock_gettime(CLOCK_MONOTONIC, &deadline);
      deadline.tv_nsec += kPollNanos;
      if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec += 1;
        deadline.tv_nsec -= 1000000000L;
      }
      if (have_waitv) {
        long rc =
            syscall(SYS_futex_waitv, entries.data(), entries.size(), 0, poll ? &deadline : nullptr, CLOCK_MONOTONIC);
        if (rc >= 0) woken_index = rc;
        if (rc < 0 && errno == ENOSYS) have_waitv = false;
      }
      if (!have_waitv) {
        // Older kernels: sleep on the doorbell alone, re-reading the words often.
        struct timespec slice = {0, kPollNanos};
        syscall(SYS_futex, &doorbell_, FUTEX_WAIT_PRIVATE, bell, any_pending ? &slice : nullptr, nullptr, 0);
      }
#elif defined(__APPLE__)
      __ulock_wait(kUlCompareAndWait | kUlfNoErrno, &doorbell_, bell, poll ? kPollNanos / 1000 : 0);
#else
      usleep(kPollNanos / 1000);
#endif
      pthread_mutex_lock(&mutex_);
      if (woken_index > 0 && static_cast<size_t>(woken_index) < entries.size()) {
        const WaitvEntry& e = entries[woken_index];
        uint32_t* word = reinterpret_cast<uint32_t*>(static_cast<uintptr_t>(e.uaddr));
        if (CompleteChanged(word, static_cast<uint32_t>(e.val))) {
          NotifyMainThread();
        } else {
          // Every wait on that word was cancelled before the wake arrived: the
          // wake was meant for a consumer, so hand it to the next sleeper.
          FutexWakeShared(word, 1);
        }
      }
    }
    pthread_mutex_unlock(&mutex_);
  }

  Napi::Value Fd(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), notify_read_); }

  // add(id, view, byteOffset, expected): complete `id` once the word differs
  // from `expected` or a wake arrives on it.
  Napi::Value Add(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    double id = info[0].As<Napi::Number>().DoubleValue();
    uint32_t* word = WordAt(info[1], info[2]);
    uint32_t expected = info[3].As<Napi::Number>().Int64Value() & 0xffffffffu;
    pthread_mutex_lock(&mutex_);
    pending_.push_back({id, word, expected});
    pthread_mutex_unlock(&mutex_);
    RingDoorbell();
    return env.Undefined();
  }

  // cancel(id): forget a wait (timed out or aborted in JS).
  Napi::Value Cancel(const Napi::CallbackInfo& info) {
    double id = info[0].As<Napi::Number>().DoubleValue();
    pthread_mutex_lock(&mutex_);
    auto it = std::find_if(pending_.begin(), pending_.end(), [&](const PendingWait& w) { return w.id == id; });
    bool found = it != pending_.end();
    if (found) pending_.erase(it);
    pthread_mutex_unlock(&mutex_);
    // The thread may sleep on that word; make it rebuild its set so it never
    // touches memory the caller may unmap next.
    if (found) RingDoorbell();
    return info.Env().Undefined();
  }

  // take() -> ids of completed waits, draining the notification fd.
  Napi::Value Take(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    char drain[64];
    while (RetryOnEintr([&] { return read(notify_read_, drain, sizeof(drain)); }) > 0) {
    }
    std::vector<double> done;
    pthread_mutex_lock(&mutex_);
    done.swap(done_);
    pthread_mutex_unlock(&mutex_);
    Napi::Array ids = Napi::Array::New(env, done.size());
    for (size_t i = 0; i < done.size(); i++) ids.Set(static_cast<uint32_t>(i), Napi::Number::New(env, done[i]));
    return ids;
  }

  // In a forked child the thread is gone, its mutex may be held by it, and the
  // notification fd is shared with the parent: start over with no waits. The
  // parent's waits stay the parent's (as Python's other threads do not exist in
  // the child): re-arming them here would let the child take wakes, semaphore
  // units or queue items meant for the parent. Returns the new fd.
  Napi::Value AfterForkInChild(const Napi::CallbackInfo& info) {
    pthread_mutex_init(&mutex_, nullptr);
    running_ = false;
    pending_.clear();
    done_.clear();
    CloseNotifyFds();
    Start(info.Env());
    return Napi::Number::New(info.Env(), notify_read_);
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    Stop();
    return info.Env().Undefined();
  }

  pthread_mutex_t mutex_;
  std::vector<PendingWait> pending_;
  std::vector<double> done_;
  uint32_t doorbell_ = 0;
  bool stopping_ = false;
  bool running_ = false;
  pthread_t thread_;
  int notify_read_ = -1;
  int notify_write_ = -1;
};

void InitFutexWaiter(Napi::Env env, Napi::Object exports) { exports.Set("FutexWaiter", FutexWaiter::Define(env)); }

}  // namespace pmp
