// A multi-producer multi-consumer byte ring in shared memory: the storage of
// Queue/JoinableQueue/SimpleQueue. Producers serialise on one robust
// process-shared mutex, consumers on another, so a producer and a consumer
// never wait for each other's lock. Waiting happens on futex words in the
// header (native/futex.h): sync waits here, async waits in lib/waiter.ts.
//
// Crash safety: each side's whole state (position and item count) is one
// 64-bit word, published with a single release store after the bytes are
// copied. A process killed at any point before that store leaves the old
// state: a half-written item is simply not there, a half-read one is still
// queued. The next locker gets EOWNERDEAD and only marks the mutex consistent.
// JoinableQueue's task count is a lock-free counter of the same kind.
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <string.h>

#include <algorithm>
#include <string>

#include "addon.h"
#include "errors.h"
#include "futex.h"
#include "timeout.h"

namespace pmp {

namespace {

constexpr uint32_t kMagic = 0x706d7173;  // "pmqs"
constexpr size_t kHeaderSize = 1024;
constexpr size_t kRecordHeader = 8;  // u32 length, u8 tag, u8 kind, u16 zero
// A state word: byte position in its low 40 bits, item count in the high 24.
// Capacities are powers of two up to 2^26, so positions wrap cleanly and the
// number of items in the ring (at most capacity / 8) fits in 24 bits.
constexpr uint64_t kPosMask = (uint64_t{1} << 40) - 1;
constexpr uint32_t kCountMask = (1u << 24) - 1;
constexpr double kMaxCapacity = 1 << 26;
// A waiter re-checks at least this often, so a process killed between its
// commit and its wake-up call cannot leave anyone asleep for long.
constexpr double kWaitSliceMs = 250;
constexpr int kLockSpins = 100;
// Before sleeping on a futex, a sync waiter watches the word this long: a
// producer and a consumer on two cores then hand items over without syscalls.
constexpr int64_t kSpinBeforeSleepUs = 50;

// The state word and the mutex sit on separate cache lines: the other side
// reads the state and should not disturb the lock's line. `seen_other` (on the
// lock's line, used only under the lock) is the other side's state as this
// side last read it. The real one is never behind it, so a put that fits by it
// fits, and a get that finds an item by it finds one: most operations then
// never touch the other side's lines, which cost a cache miss per item.
struct alignas(64) Side {
  uint64_t state;
  alignas(64) pthread_mutex_t mutex;
  uint64_t seen_other;
};

struct RingHeader {
  uint32_t magic;
  uint32_t maxsize;  // items; 0 = unbounded
  uint64_t capacity;
  uint32_t closed;
  uint32_t recoveries;  // how often a locker found the previous holder dead
  Side put;             // tail position + items ever put (producers' lock)
  Side get;             // head position + items ever got (consumers' lock)
  // Waiters sleep on the low 32 bits of the other side's state word (it
  // changes with every operation): getters on put.state, putters on get.state.
  alignas(64) uint32_t getters_waiting;  // written only around sleeps: read cheaply by every put
  uint32_t putters_waiting;
  uint32_t joiners_waiting;
  alignas(64) uint32_t task_seq;  // bumped when no task is left unfinished (joiners sleep on it)
  uint32_t tasks_done;            // JoinableQueue: taskDone() calls, mod 2^24
};
static_assert(sizeof(RingHeader) <= kHeaderSize, "ring header must fit in kHeaderSize");

enum Status { kOk = 0, kWouldBlock = -1, kClosed = -2, kTooBig = -4, kTooManyTaskDone = -5, kCorrupt = -6 };
// ringGet's "target too small": kTooSmallBase minus the size needed.
constexpr double kTooSmallBase = -16;
enum Waiter { kPutter = 0, kGetter = 1, kJoiner = 2 };

inline uint64_t Pos(uint64_t state) { return state & kPosMask; }
inline uint32_t Count(uint64_t state) { return static_cast<uint32_t>(state >> 40) & kCountMask; }
inline uint64_t Pack(uint64_t pos, uint32_t count) {
  return (pos & kPosMask) | (static_cast<uint64_t>(count & kCountMask) << 40);
}
inline uint64_t Load(const uint64_t* word) { return __atomic_load_n(word, __ATOMIC_SEQ_CST); }
// The futex word of a state: its low 32 bits (little-endian hosts).
inline uint32_t* WordOf(uint64_t* state) { return reinterpret_cast<uint32_t*>(state); }
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "futex words are the low halves of 64-bit states");

struct Ring {
  RingHeader* h;
  uint8_t* data;
  uint64_t capacity;

  uint32_t Items() const { return ItemsBetween(Load(&h->put.state), Load(&h->get.state)); }
  uint64_t Used() const { return UsedBetween(Load(&h->put.state), Load(&h->get.state)); }

  static uint32_t ItemsBetween(uint64_t put, uint64_t get) { return (Count(put) - Count(get)) & kCountMask; }
  static uint64_t UsedBetween(uint64_t put, uint64_t get) { return (Pos(put) - Pos(get)) & kPosMask; }

  // Whether a record of `size` bytes fits after `put`, with the consumers at `get`.
  bool Fits(uint64_t put, uint64_t get, uint64_t size) const {
    return (h->maxsize == 0 || ItemsBetween(put, get) < h->maxsize) && UsedBetween(put, get) + size <= capacity;
  }

  void CopyIn(uint64_t pos, const uint8_t* src, size_t n) const {
    size_t off = pos & (capacity - 1);
    size_t first = std::min<size_t>(n, capacity - off);
    memcpy(data + off, src, first);
    if (n > first) memcpy(data, src + first, n - first);
  }

  void CopyOut(uint64_t pos, uint8_t* dst, size_t n) const {
    size_t off = pos & (capacity - 1);
    size_t first = std::min<size_t>(n, capacity - off);
    memcpy(dst, data + off, first);
    if (n > first) memcpy(dst + first, data, n - first);
  }
};

// The bytes of a Buffer/Uint8Array argument (one N-API call).
uint8_t* BytesOf(napi_env env, napi_value value, size_t* length) {
  napi_typedarray_type type;
  void* data = nullptr;
  napi_value arraybuffer;
  size_t offset;
  if (napi_get_typedarray_info(env, value, &type, length, &data, &arraybuffer, &offset) != napi_ok) {
    throw Napi::TypeError::New(env, "expected a Buffer or Uint8Array");
  }
  return static_cast<uint8_t*>(data);
}

Ring RingOfBuffer(const Napi::Value& v) {
  Napi::Env env = v.Env();
  size_t length;
  uint8_t* base = BytesOf(env, v, &length);
  RingHeader* h = reinterpret_cast<RingHeader*>(base);
  if (base == nullptr || length < kHeaderSize || reinterpret_cast<uintptr_t>(base) % 64 != 0 || h->magic != kMagic ||
      h->capacity < 4096 || (h->capacity & (h->capacity - 1)) != 0 || h->capacity + kHeaderSize > length) {
    throw Napi::Error::New(env, "not an initialised ring (unmapped, bad magic or size)");
  }
  return {h, base + kHeaderSize, h->capacity};
}

// A ring handle (from ringHandle()) is an External holding the checked Ring and
// a reference that keeps the mapping's Buffer alive: every put and get would
// otherwise spend a tenth of its time asking N-API where the Buffer is.
struct RingHandle {
  Ring ring;
  napi_ref mapping;
};

Ring RingAt(const Napi::Value& v) {
  void* data = nullptr;
  if (napi_get_value_external(v.Env(), v, &data) != napi_ok || data == nullptr) {
    throw Napi::TypeError::New(v.Env(), "expected a ring handle from ringHandle()");
  }
  return static_cast<RingHandle*>(data)->ring;
}

// ringHandle(ringBuffer) -> the handle every other ring call takes.
Napi::Value RingHandleOf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Ring ring = RingOfBuffer(info[0]);
  auto* handle = new RingHandle{ring, nullptr};
  napi_create_reference(env, info[0], 1, &handle->mapping);
  return Napi::External<RingHandle>::New(env, handle, [](Napi::Env env, RingHandle* handle) {
    napi_delete_reference(env, handle->mapping);
    delete handle;
  });
}

// A number argument; NaN when it is not a number (every use range-checks it).
double NumberArg(const Napi::CallbackInfo& info, size_t i) {
  double value = NAN;
  napi_get_value_double(info.Env(), info[i], &value);
  return value;
}

// An integer argument in [0, max]; a RangeError naming `what` otherwise.
uint32_t SmallIntArg(const Napi::CallbackInfo& info, size_t i, uint32_t max, const char* what) {
  double value = NumberArg(info, i);
  if (!(value >= 0 && value <= max && value == static_cast<double>(static_cast<uint32_t>(value)))) {
    throw Napi::RangeError::New(info.Env(), std::string(what) + " must be an integer from 0 to " + std::to_string(max));
  }
  return static_cast<uint32_t>(value);
}

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}

// True if *word changed from `seen` within kSpinBeforeSleepUs (or the deadline).
bool SpinUntilChanged(const uint32_t* word, uint32_t seen, int64_t deadline_us) {
  int64_t until = MonotonicUs() + kSpinBeforeSleepUs;
  if (deadline_us >= 0) until = std::min(until, deadline_us);
  for (int i = 0;; i++) {
    if (__atomic_load_n(word, __ATOMIC_ACQUIRE) != seen) return true;
    CpuRelax();
    if ((i & 63) == 63 && MonotonicUs() >= until) return false;
  }
}

// Sleeps on `word` while it reads `seen`, at most one slice and the time left.
// Returns false once the deadline has passed.
bool SleepOn(Napi::Env env, uint32_t* word, uint32_t seen, int64_t deadline_us) {
  double slice = kWaitSliceMs;
  if (deadline_us >= 0) {
    int64_t left = deadline_us - MonotonicUs();
    if (left <= 0) return false;
    slice = std::min(slice, left / 1000.0);
  }
  int err = 0;
  FutexWaitShared(word, seen, slice, &err);
  if (err != 0) ThrowErrno(env, err, "futex_wait");
  return true;
}

// How a put that found no room, or a get that found no item, waits for the
// other side's state word to move on from `seen`: first a spin (then the caller
// looks again and, if it must wait still, counts itself in `waiting`), then a
// sleep, after which it is no longer counted. False once the deadline has passed.
bool AwaitChange(Napi::Env env, bool* spun, uint32_t* word, uint32_t seen, uint32_t* waiting, int64_t deadline_us) {
  if (!*spun) {
    *spun = true;
    SpinUntilChanged(word, seen, deadline_us);
    return true;
  }
  *spun = false;
  bool in_time = SleepOn(env, word, seen, deadline_us);
  __atomic_fetch_sub(waiting, 1, __ATOMIC_SEQ_CST);
  return in_time;
}

class SideLock {
 public:
  SideLock(Napi::Env env, RingHeader* h, Side* side) : side_(side) {
    int rc = EBUSY;
    for (int i = 0; i < kLockSpins && rc == EBUSY; i++) {
      rc = pthread_mutex_trylock(&side->mutex);
      if (rc == EBUSY) CpuRelax();
    }
    if (rc == EBUSY) rc = pthread_mutex_lock(&side->mutex);
#if defined(__linux__)
    if (rc == EOWNERDEAD) {
      // The previous holder died mid-operation; its state word was never
      // published, so the ring is as it was before that operation.
      rc = pthread_mutex_consistent(&side->mutex);
      __atomic_fetch_add(&h->recoveries, 1, __ATOMIC_RELAXED);
    }
#endif
    if (rc != 0) ThrowErrno(env, rc, "pthread_mutex_lock");
  }
  ~SideLock() { pthread_mutex_unlock(&side_->mutex); }

 private:
  Side* side_;
};

void WakeIfWaiting(uint32_t* waiting, uint32_t* word) {
  if (__atomic_load_n(waiting, __ATOMIC_SEQ_CST) > 0) FutexWakeShared(word, INT_MAX);
}

int InitMutex(pthread_mutex_t* mutex) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
#if defined(__linux__)
  pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
#endif
  int rc = pthread_mutex_init(mutex, &attr);
  pthread_mutexattr_destroy(&attr);
  return rc;
}

// ringInit(buffer, capacity, maxsize): lays out an empty ring in fresh shared
// memory. capacity: a power of two from 4096 to 2^26.
Napi::Value RingInit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t length;
  uint8_t* base = BytesOf(env, info[0], &length);
  double capacity = NumberArg(info, 1);
  double maxsize = NumberArg(info, 2);
  // Range first: casting NaN or Infinity to an integer is undefined behaviour.
  bool in_range = capacity >= 4096 && capacity <= kMaxCapacity && maxsize >= 0 && maxsize <= kCountMask;
  uint64_t cap = in_range ? static_cast<uint64_t>(capacity) : 0;
  if (!in_range || (cap & (cap - 1)) != 0 || capacity + kHeaderSize > length ||
      reinterpret_cast<uintptr_t>(base) % 64 != 0) {
    throw Napi::RangeError::New(
        env, "ringInit: capacity must be a power of two in [4096, 2^26] that fits the buffer; maxsize < 2^24");
  }
  RingHeader* h = reinterpret_cast<RingHeader*>(base);
  memset(h, 0, kHeaderSize);
  h->capacity = cap;
  h->maxsize = static_cast<uint32_t>(maxsize);
  int rc = InitMutex(&h->put.mutex);
  if (rc == 0) rc = InitMutex(&h->get.mutex);
  if (rc != 0) ThrowErrno(env, rc, "pthread_mutex_init");
  __atomic_store_n(&h->magic, kMagic, __ATOMIC_RELEASE);
  return env.Undefined();
}

// ringPut(handle, tagAndKind, body, timeoutMs[, out]) -> status. tagAndKind:
// kind * 256 + tag. timeoutMs < 0 blocks without limit, 0 never blocks. With
// `out` (an async caller) a full ring returns kWouldBlock at once, counted as a
// waiting putter, with the get_seq value it saw in out[0] (the caller sleeps on
// it, then ringUnwait()). At most 6 arguments: node-addon-api allocates beyond.
Napi::Value RingPut(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Ring r = RingAt(info[0]);
  RingHeader* h = r.h;
  uint8_t record[kRecordHeader] = {0};
  uint32_t tag_and_kind = SmallIntArg(info, 1, 0xffff, "ringPut: tagAndKind");
  record[4] = static_cast<uint8_t>(tag_and_kind & 255);
  record[5] = static_cast<uint8_t>(tag_and_kind >> 8);
  size_t body_length;
  const uint8_t* body = BytesOf(env, info[2], &body_length);
  int64_t deadline = DeadlineUs(TimeoutMsArg(info[3], "ringPut"));
  bool register_waiter = info.Length() > 4;
  uint64_t size = kRecordHeader + body_length;
  if (size > r.capacity) return Napi::Number::New(env, kTooBig);
  uint32_t length32 = static_cast<uint32_t>(body_length);
  memcpy(record, &length32, 4);
  bool spun = false;
  for (;;) {
    uint32_t seen = 0;
    bool sleep = false;
    {
      SideLock lock(env, h, &h->put);
      if (__atomic_load_n(&h->closed, __ATOMIC_ACQUIRE)) return Napi::Number::New(env, kClosed);
      uint64_t mine = h->put.state;
      bool fits = r.Fits(mine, h->put.seen_other, size);
      if (!fits) {
        // The consumers' real state.
        uint64_t other = Load(&h->get.state);
        h->put.seen_other = other;
        seen = static_cast<uint32_t>(other);
        fits = r.Fits(mine, other, size);
      }
      if (!fits && (spun || register_waiter)) {
        // About to sleep: count as a waiter, then look once more, so a get
        // that frees room after this check sees us and wakes us.
        seen = __atomic_load_n(WordOf(&h->get.state), __ATOMIC_SEQ_CST);
        __atomic_fetch_add(&h->putters_waiting, 1, __ATOMIC_SEQ_CST);
        uint64_t other = Load(&h->get.state);
        h->put.seen_other = other;
        fits = r.Fits(mine, other, size);
        if (fits) {
          __atomic_fetch_sub(&h->putters_waiting, 1, __ATOMIC_SEQ_CST);
        } else if (register_waiter) {
          info[4].As<Napi::Float64Array>()[0] = seen;
          return Napi::Number::New(env, kWouldBlock);
        } else if (Expired(deadline)) {
          __atomic_fetch_sub(&h->putters_waiting, 1, __ATOMIC_SEQ_CST);
          return Napi::Number::New(env, kWouldBlock);
        }
      } else if (!fits && Expired(deadline)) {
        return Napi::Number::New(env, kWouldBlock);
      }
      sleep = !fits;  // to spin first; after spinning, counted as a waiter while it sleeps
      if (fits) {
        r.CopyIn(Pos(mine), record, kRecordHeader);
        r.CopyIn(Pos(mine) + kRecordHeader, body, body_length);
        __atomic_store_n(&h->put.state, Pack(Pos(mine) + size, Count(mine) + 1), __ATOMIC_SEQ_CST);
      }
    }
    if (!sleep) {
      WakeIfWaiting(&h->getters_waiting, WordOf(&h->put.state));
      return Napi::Number::New(env, kOk);
    }
    if (!AwaitChange(env, &spun, WordOf(&h->get.state), seen, &h->putters_waiting, deadline)) {
      return Napi::Number::New(env, kWouldBlock);
    }
  }
}

// ringGet(handle, target, targetOffset, timeoutMs[, out]) -> length * 1024 +
// kind * 256 + tag, with the body in target[targetOffset, +length); or a
// negative status. A body that does not fit: nothing taken, and the result is
// kTooSmallBase - (the size needed). An empty ring with `out` (an async caller):
// kWouldBlock, counted as a waiting getter, with the put-state word it saw in
// out[0]. An empty closed ring: kClosed.
Napi::Value RingGet(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Ring r = RingAt(info[0]);
  RingHeader* h = r.h;
  size_t room;
  uint8_t* target = BytesOf(env, info[1], &room);
  double offset = NumberArg(info, 2);
  if (!(offset >= 0) || offset > room) throw Napi::RangeError::New(env, "ringGet: targetOffset out of range");
  target += static_cast<size_t>(offset);
  room -= static_cast<size_t>(offset);
  int64_t deadline = DeadlineUs(TimeoutMsArg(info[3], "ringGet"));
  bool register_waiter = info.Length() > 4;
  bool spun = false;
  for (;;) {
    uint32_t seen = 0;
    bool sleep = false;
    double result = 0;
    bool wake_putters = false;
    {
      SideLock lock(env, h, &h->get);
      uint64_t mine = h->get.state;
      uint32_t items = Ring::ItemsBetween(h->get.seen_other, mine);
      if (items == 0) {
        // The producers' real state.
        uint64_t other = Load(&h->put.state);
        h->get.seen_other = other;
        seen = static_cast<uint32_t>(other);
        items = Ring::ItemsBetween(other, mine);
      }
      if (items == 0) {
        bool waiting = spun || register_waiter;
        if (waiting) {
          // About to sleep: as in ringPut, count as a waiter, then look once more.
          seen = __atomic_load_n(WordOf(&h->put.state), __ATOMIC_SEQ_CST);
          __atomic_fetch_add(&h->getters_waiting, 1, __ATOMIC_SEQ_CST);
          uint64_t other = Load(&h->put.state);
          h->get.seen_other = other;
          items = Ring::ItemsBetween(other, mine);
        }
        if (items > 0) {
          __atomic_fetch_sub(&h->getters_waiting, 1, __ATOMIC_SEQ_CST);
        } else {
          bool closed = __atomic_load_n(&h->closed, __ATOMIC_ACQUIRE);
          if (register_waiter && !closed) {
            info[4].As<Napi::Float64Array>()[0] = seen;
            return Napi::Number::New(env, kWouldBlock);
          }
          if (closed || Expired(deadline)) {
            if (waiting) __atomic_fetch_sub(&h->getters_waiting, 1, __ATOMIC_SEQ_CST);
            return Napi::Number::New(env, closed ? kClosed : kWouldBlock);
          }
          sleep = true;  // to spin first; after spinning, counted as a waiter while it sleeps
        }
      }
      if (!sleep) {
        uint8_t record[kRecordHeader];
        r.CopyOut(Pos(mine), record, kRecordHeader);
        uint32_t length;
        memcpy(&length, record, 4);
        // The ring is memory other processes write: a record must lie within
        // what the producers committed, or it is not read at all.
        uint64_t committed = Ring::UsedBetween(Load(&h->put.state), mine);
        if (committed > r.capacity || record[5] > 1 || kRecordHeader + static_cast<uint64_t>(length) > committed) {
          return Napi::Number::New(env, kCorrupt);
        }
        if (length > room) return Napi::Number::New(env, kTooSmallBase - static_cast<double>(length));
        r.CopyOut(Pos(mine) + kRecordHeader, target, length);
        uint64_t after = Pack(Pos(mine) + kRecordHeader + length, Count(mine) + 1);
        __atomic_store_n(&h->get.state, after, __ATOMIC_SEQ_CST);
        result = static_cast<double>(length) * 1024 + record[5] * 256 + record[4];
        // Putters blocked on bytes are woken once half the ring is free (every
        // inline record fits then), not after each get: a full ring would
        // otherwise cost a sleep and a wake per item. A slot freed under
        // maxsize wakes them at once. Judged on the real put state, and only
        // when some putter is waiting.
        if (__atomic_load_n(&h->putters_waiting, __ATOMIC_SEQ_CST) > 0) {
          uint64_t put = Load(&h->put.state);
          wake_putters = (h->maxsize != 0 && Ring::ItemsBetween(put, mine) >= h->maxsize) ||
                         Ring::UsedBetween(put, after) <= r.capacity / 2;
        }
      }
    }
    if (!sleep) {
      if (wake_putters) FutexWakeShared(WordOf(&h->get.state), INT_MAX);
      return Napi::Number::New(env, result);
    }
    if (!AwaitChange(env, &spun, WordOf(&h->put.state), seen, &h->getters_waiting, deadline)) {
      return Napi::Number::New(env, kWouldBlock);
    }
  }
}

// ringUnwait(handle, waiter): an async waiter has woken (or given up).
Napi::Value RingUnwait(const Napi::CallbackInfo& info) {
  Ring r = RingAt(info[0]);
  RingHeader* h = r.h;
  uint32_t* counts[] = {&h->putters_waiting, &h->getters_waiting, &h->joiners_waiting};
  uint32_t which = SmallIntArg(info, 1, kJoiner, "ringUnwait: waiter kind");
  // Never below zero, even if a count was lost with a killed process.
  uint32_t v = __atomic_load_n(counts[which], __ATOMIC_ACQUIRE);
  while (v > 0 && !__atomic_compare_exchange_n(counts[which], &v, v - 1, false, __ATOMIC_SEQ_CST, __ATOMIC_ACQUIRE)) {
  }
  return info.Env().Undefined();
}

uint32_t Unfinished(RingHeader* h) {
  return (Count(Load(&h->put.state)) - __atomic_load_n(&h->tasks_done, __ATOMIC_SEQ_CST)) & kCountMask;
}

// ringTaskDone(handle) -> kOk, or kTooManyTaskDone when no task is unfinished.
Napi::Value RingTaskDone(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Ring r = RingAt(info[0]);
  RingHeader* h = r.h;
  uint32_t done = __atomic_load_n(&h->tasks_done, __ATOMIC_SEQ_CST);
  for (;;) {
    uint32_t put = Count(Load(&h->put.state));
    if (((put - done) & kCountMask) == 0) return Napi::Number::New(env, kTooManyTaskDone);
    if (__atomic_compare_exchange_n(&h->tasks_done, &done, (done + 1) & kCountMask, false, __ATOMIC_SEQ_CST,
                                    __ATOMIC_SEQ_CST)) {
      break;
    }
  }
  if (Unfinished(h) == 0) {
    __atomic_fetch_add(&h->task_seq, 1, __ATOMIC_SEQ_CST);
    WakeIfWaiting(&h->joiners_waiting, &h->task_seq);
  }
  return Napi::Number::New(env, kOk);
}

// ringJoin(handle, timeoutMs[, out]) -> kOk once no task is unfinished,
// kWouldBlock on timeout (or, with `out`, at once, counted as a waiting joiner
// with the task_seq value it saw in out[0]).
Napi::Value RingJoin(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Ring r = RingAt(info[0]);
  RingHeader* h = r.h;
  int64_t deadline = DeadlineUs(TimeoutMsArg(info[1], "ringJoin"));
  bool register_waiter = info.Length() > 2;
  for (;;) {
    uint32_t seen = __atomic_load_n(&h->task_seq, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&h->joiners_waiting, 1, __ATOMIC_SEQ_CST);
    if (Unfinished(h) == 0) {
      __atomic_fetch_sub(&h->joiners_waiting, 1, __ATOMIC_SEQ_CST);
      return Napi::Number::New(env, kOk);
    }
    if (register_waiter) {
      info[2].As<Napi::Float64Array>()[0] = seen;
      return Napi::Number::New(env, kWouldBlock);
    }
    bool in_time = SleepOn(env, &h->task_seq, seen, deadline);
    __atomic_fetch_sub(&h->joiners_waiting, 1, __ATOMIC_SEQ_CST);
    if (!in_time) return Napi::Number::New(env, kWouldBlock);
  }
}

// ringClose(handle): no more puts anywhere; getters drain what is left, then see kClosed.
Napi::Value RingClose(const Napi::CallbackInfo& info) {
  Ring r = RingAt(info[0]);
  RingHeader* h = r.h;
  // Sleepers re-check `closed` when woken here (or, in a narrow race, at the
  // end of their current wait slice).
  __atomic_store_n(&h->closed, 1, __ATOMIC_SEQ_CST);
  FutexWakeShared(WordOf(&h->put.state), INT_MAX);
  FutexWakeShared(WordOf(&h->get.state), INT_MAX);
  return info.Env().Undefined();
}

// ringStats(handle, out): out = [items, unfinished, closed, maxsize, usedBytes, capacity, recoveries].
Napi::Value RingStats(const Napi::CallbackInfo& info) {
  Ring r = RingAt(info[0]);
  RingHeader* h = r.h;
  Napi::Float64Array out = info[1].As<Napi::Float64Array>();
  out[0] = r.Items();
  out[1] = Unfinished(h);
  out[2] = __atomic_load_n(&h->closed, __ATOMIC_ACQUIRE);
  out[3] = h->maxsize;
  out[4] = static_cast<double>(r.Used());
  out[5] = static_cast<double>(r.capacity);
  out[6] = __atomic_load_n(&h->recoveries, __ATOMIC_RELAXED);
  return info.Env().Undefined();
}

}  // namespace

void InitRing(Napi::Env env, Napi::Object exports) {
  ExportFunctions(env, exports,
                  {{"ringInit", RingInit},
                   {"ringHandle", RingHandleOf},
                   {"ringPut", RingPut},
                   {"ringGet", RingGet},
                   {"ringUnwait", RingUnwait},
                   {"ringTaskDone", RingTaskDone},
                   {"ringJoin", RingJoin},
                   {"ringClose", RingClose},
                   {"ringStats", RingStats}});
  Napi::Object layout = Napi::Object::New(env);
  layout.Set("headerSize", Napi::Number::New(env, kHeaderSize));
  layout.Set("tooSmallBase", Napi::Number::New(env, kTooSmallBase));
  layout.Set("recordHeader", Napi::Number::New(env, kRecordHeader));
  layout.Set("maxCapacity", Napi::Number::New(env, kMaxCapacity));
  layout.Set("putSeq", Napi::Number::New(env, offsetof(RingHeader, put) + offsetof(Side, state)));
  layout.Set("getSeq", Napi::Number::New(env, offsetof(RingHeader, get) + offsetof(Side, state)));
  layout.Set("taskSeq", Napi::Number::New(env, offsetof(RingHeader, task_seq)));
  exports.Set("ringLayout", layout);
}

}  // namespace pmp
