// The posix synchronisation kernels (lib/kernels/sync.ts): futex words in
// pages of anonymous shared memory.
//
// Design: each primitive is a few 32-bit words in its own page of anonymous
// shared memory (sync_page.ts). Uncontended operations are single atomic
// instructions from JS (Atomics on the mapped page, no native call); waiting
// is a futex on one of the words (waiter.ts): futex(2) for the ...Sync forms,
// the per-process waiter thread for promises. We use futex words rather than
// POSIX named semaphores or pthread robust mutexes because (1) one thread can
// sleep on many futexes at once (futex_waitv), which async waiting needs, and a
// semaphore or mutex can only be waited on by a thread of its own; (2) the fast
// path stays in JS; (3) nothing is named, so nothing can leak.
//
// Each algorithm is written once, as a generator that yields the waits it
// needs; runSync() serves them with futex(2), runAsync() with promises
// (wait/steps.ts).
//
// Owner death: a Lock/RLock word holds its owner's pid. A waiter sleeps in
// slices of OWNER_CHECK_MS; after each slice it checks whether the owner still
// exists (process_liveness.ts) and, if not, takes the lock over with one
// compare-and-swap and sets `ownerDied` on its own kernel object.
import type {
  BarrierKernel,
  BarrierWaitResult,
  ConditionKernel,
  EventKernel,
  KernelHandle,
  LockKernel,
  LockKind,
  ReleaseRefusal,
  SemaphoreKernel,
  SyncKernels,
} from '../sync';
import { waitSync, waitUntilChanged, wake, wakeAll, type WaitOutcome } from '../../wait/waiter';
import { runAsync, runSync } from '../../wait/steps';
import { expired, remaining, sliceOf, type Deadline } from '../../wait/timeout';
import { SyncPage } from '../../internal/sync_page';
import { processGone } from '../../wait/process_liveness';
import { registerAfterForkInChild } from '../../child/after_fork';

/** How often a waiter checks whether the holder of a Lock/RLock still exists. */
export const OWNER_CHECK_MS = 100;

let myPid = process.pid;
registerAfterForkInChild(() => {
  myPid = process.pid;
});

// ---------------------------------------------------------------------------
// Waiting: one algorithm, two drivers (wait/steps.ts); each step is a futex wait.

interface WaitRequest {
  page: SyncPage;
  index: number; // the word, as an Int32Array index
  expected: number;
  timeout: number | null;
}

type Steps<T> = Generator<WaitRequest, T, WaitOutcome>;

function serveSync({ page, index, expected, timeout }: WaitRequest): WaitOutcome {
  return waitSync(page.buf, index * 4, expected, timeout);
}

function serveAsync({ page, index, expected, timeout }: WaitRequest, signal?: AbortSignal): Promise<WaitOutcome> {
  return waitUntilChanged(page.buf, index * 4, expected, { timeout, signal });
}

// A settled promise can be shared: the uncontended async paths return this one.
const RESOLVED_TRUE: Promise<boolean> = Promise.resolve(true);

function handleOf(page: SyncPage): KernelHandle {
  return { state: null, fds: [page.fd] };
}

// ---------------------------------------------------------------------------
// Lock and RLock share the owner word.

const PID_MASK = 0x3fffffff;
const WAITERS = 0x40000000; // someone sleeps on the word: release must wake

const L_STATE = 1; // 0 free, else owner pid | WAITERS
const L_COUNT = 2; // RLock recursion depth, touched by the owner only

class FutexLock implements LockKernel {
  readonly page: SyncPage;
  readonly words: Int32Array; // this.page.words, one property load closer
  ownerDied = false;

  constructor(page: SyncPage) {
    this.page = page;
    this.words = page.words;
  }

  protected tryTake(contended: boolean): boolean {
    if (Atomics.compareExchange(this.words, L_STATE, 0, contended ? myPid | WAITERS : myPid) !== 0) return false;
    this.ownerDied = false;
    return true;
  }

  tryAcquire(): boolean {
    return this.tryTake(false);
  }

  /** A waiter giving up may have taken the wake meant for another: if the lock is free, wake one more. */
  private passOnWake(): void {
    if (Atomics.load(this.words, L_STATE) === 0) wake(this.page.buf, L_STATE * 4, 1);
  }

  /** Takes the lock if `state` (as last seen) names a process that no longer exists. */
  private takeFromDeadOwner(state: number): boolean {
    const owner = state & PID_MASK;
    if (owner === myPid || !processGone(owner)) return false;
    if (Atomics.compareExchange(this.words, L_STATE, state, myPid | (state & WAITERS)) !== state) return false;
    this.ownerDied = true;
    return true;
  }

  /** The acquire algorithm, after a failed fast path. */
  *acquireSteps(block: boolean, deadline: Deadline): Steps<boolean> {
    const { words } = this.page;
    let slept = false;
    for (;;) {
      const state = Atomics.load(words, L_STATE);
      if (state === 0) {
        // After sleeping, take it as contended so our release wakes the others.
        if (this.tryTake(slept)) return true;
        continue;
      }
      if (!block) return this.takeFromDeadOwner(state);
      if ((state & WAITERS) === 0 && Atomics.compareExchange(words, L_STATE, state, state | WAITERS) !== state)
        continue;
      let outcome: WaitOutcome;
      try {
        outcome = yield {
          page: this.page,
          index: L_STATE,
          expected: state | WAITERS,
          timeout: sliceOf(deadline, OWNER_CHECK_MS),
        };
      } catch (err) {
        this.passOnWake();
        throw err; // aborted
      }
      slept = true;
      if (outcome !== 'timeout') continue;
      if (this.takeFromDeadOwner(state | WAITERS)) return true;
      if (expired(deadline)) {
        this.passOnWake();
        return false;
      }
    }
  }

  acquireSync(block: boolean, deadline: Deadline): boolean {
    if (this.tryTake(false)) return true;
    return runSync(this.acquireSteps(block, deadline), serveSync);
  }

  acquire(block: boolean, deadline: Deadline, signal: AbortSignal | undefined): Promise<boolean> {
    if (this.tryTake(false)) return RESOLVED_TRUE;
    return runAsync(this.acquireSteps(block, deadline), serveAsync, signal);
  }

  /** Frees the word and wakes one sleeper if any. */
  protected unlock(): void {
    const previous = Atomics.exchange(this.words, L_STATE, 0);
    if (previous & WAITERS) wake(this.page.buf, L_STATE * 4, 1);
  }

  /** Any process may release a Lock, as in Python. */
  release(): boolean {
    if (Atomics.load(this.words, L_STATE) === 0) return false;
    this.unlock();
    return true;
  }

  ownerPid(): number {
    return Atomics.load(this.words, L_STATE) & PID_MASK;
  }

  isMine(): boolean {
    return this.ownerPid() === myPid;
  }

  describe(): { owner: number; count: number } {
    const owner = this.ownerPid();
    return { owner, count: owner === 0 ? 0 : 1 };
  }

  /** Releases completely for Condition.wait; returns what restoreAfterWait needs. */
  releaseForWait(): number {
    this.unlock();
    return 1;
  }

  *restoreAfterWait(_saved: number): Steps<void> {
    if (!this.tryTake(true)) yield* this.acquireSteps(true, null);
  }

  handle(): KernelHandle {
    return handleOf(this.page);
  }
}

/** The RLock: the Lock's owner word plus a depth only the owner touches. */
class FutexRLock extends FutexLock {
  private enter(): boolean {
    if (this.ownerPid() === myPid && Atomics.load(this.words, L_COUNT) > 0) {
      Atomics.add(this.words, L_COUNT, 1);
      return true;
    }
    return false;
  }

  override tryAcquire(): boolean {
    if (this.tryTake(false)) {
      Atomics.store(this.words, L_COUNT, 1);
      return true;
    }
    return this.enter();
  }

  override acquireSync(block: boolean, deadline: Deadline): boolean {
    if (this.enter()) return true;
    const got = super.acquireSync(block, deadline);
    if (got) Atomics.store(this.words, L_COUNT, 1);
    return got;
  }

  override acquire(block: boolean, deadline: Deadline, signal: AbortSignal | undefined): Promise<boolean> {
    if (this.enter()) return RESOLVED_TRUE;
    return super.acquire(block, deadline, signal).then((got) => {
      if (got) Atomics.store(this.words, L_COUNT, 1);
      return got;
    });
  }

  override release(): boolean {
    if (!this.isMine()) return false;
    if (Atomics.sub(this.words, L_COUNT, 1) === 1) this.unlock();
    return true;
  }

  override isMine(): boolean {
    return this.ownerPid() === myPid && Atomics.load(this.words, L_COUNT) > 0;
  }

  override describe(): { owner: number; count: number } {
    const owner = this.ownerPid();
    return { owner, count: owner === 0 ? 0 : Atomics.load(this.words, L_COUNT) };
  }

  override releaseForWait(): number {
    const depth = Atomics.exchange(this.words, L_COUNT, 0);
    this.unlock();
    return depth;
  }

  override *restoreAfterWait(depth: number): Steps<void> {
    if (!this.tryTake(true)) yield* this.acquireSteps(true, null);
    Atomics.store(this.words, L_COUNT, depth);
  }
}

function lockOn(kind: LockKind, page: SyncPage): FutexLock {
  return kind === 'Lock' ? new FutexLock(page) : new FutexRLock(page);
}

// ---------------------------------------------------------------------------
// Semaphore and BoundedSemaphore.

const S_VALUE = 1;
const S_SLEEPERS = 2;
const S_MAX = 3; // -1: unbounded
const SEM_VALUE_MAX = 0x7fffffff;

class FutexSemaphore implements SemaphoreKernel {
  readonly page: SyncPage;

  constructor(page: SyncPage) {
    this.page = page;
  }

  tryAcquire(): boolean {
    const { words } = this.page;
    for (;;) {
      const value = Atomics.load(words, S_VALUE);
      if (value <= 0) return false;
      if (Atomics.compareExchange(words, S_VALUE, value, value - 1) === value) return true;
    }
  }

  private *acquireSteps(block: boolean, deadline: Deadline): Steps<boolean> {
    const { words, buf } = this.page;
    for (;;) {
      if (this.tryAcquire()) return true;
      if (!block) return false;
      Atomics.add(words, S_SLEEPERS, 1);
      let outcome: WaitOutcome = 'changed';
      let finished = false;
      try {
        outcome = yield { page: this.page, index: S_VALUE, expected: 0, timeout: remaining(deadline) };
        finished = true;
      } finally {
        Atomics.sub(words, S_SLEEPERS, 1);
        // A wake meant for a sleeper may have reached us as we gave up: pass it on.
        if (
          (!finished || outcome === 'timeout') &&
          Atomics.load(words, S_VALUE) > 0 &&
          Atomics.load(words, S_SLEEPERS) > 0
        ) {
          wake(buf, S_VALUE * 4, 1);
        }
      }
      if (outcome === 'timeout' && expired(deadline)) return this.tryAcquire();
    }
  }

  acquireSync(block: boolean, deadline: Deadline): boolean {
    if (this.tryAcquire()) return true;
    return runSync(this.acquireSteps(block, deadline), serveSync);
  }

  acquire(block: boolean, deadline: Deadline, signal: AbortSignal | undefined): Promise<boolean> {
    if (this.tryAcquire()) return RESOLVED_TRUE;
    return runAsync(this.acquireSteps(block, deadline), serveAsync, signal);
  }

  release(): ReleaseRefusal | null {
    const { words, buf } = this.page;
    const max = Atomics.load(words, S_MAX);
    for (;;) {
      const value = Atomics.load(words, S_VALUE);
      if (max >= 0 && value >= max) return 'bounded';
      if (value === SEM_VALUE_MAX) return 'overflow';
      if (Atomics.compareExchange(words, S_VALUE, value, value + 1) === value) break;
    }
    if (Atomics.load(words, S_SLEEPERS) > 0) wake(buf, S_VALUE * 4, 1);
    return null;
  }

  getValue(): number {
    return Atomics.load(this.page.words, S_VALUE);
  }

  maxValue(): number {
    return Atomics.load(this.page.words, S_MAX);
  }

  handle(): KernelHandle {
    return handleOf(this.page);
  }
}

// ---------------------------------------------------------------------------
// Condition: tickets. Each waiter takes the next ticket (holding the lock);
// notify(n) moves the wake limit past the next n live tickets and wakes every
// sleeper, and a waiter returns once the limit has passed its ticket. So
// notify(n) wakes exactly n waiters, with no acknowledgement to wait for (which
// would deadlock against async waiters of the notifying process). A waiter that
// times out marks its ticket cancelled so notify() skips it.

const C_NEXT_TICKET = 1;
const C_WAKE_LIMIT = 2;
const C_CANCELLED = 16; // bitmap: 4096 tickets
const C_CANCELLED_BITS = 4096;

/** ticket `a` comes before `b`, on 32-bit wrapping counters */
function before(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

class FutexCondition implements ConditionKernel {
  readonly page: SyncPage;
  private readonly lock: FutexLock;

  constructor(page: SyncPage, lock: LockKernel) {
    this.page = page;
    this.lock = lock as FutexLock; // the posix backend only ever hands its own kernels around
  }

  private setCancelled(ticket: number, on: boolean): void {
    const bit = (ticket >>> 0) % C_CANCELLED_BITS;
    const index = C_CANCELLED + (bit >>> 5);
    const mask = 1 << (bit & 31);
    if (on) Atomics.or(this.page.words, index, mask);
    else Atomics.and(this.page.words, index, ~mask);
  }

  private isCancelled(ticket: number): boolean {
    const bit = (ticket >>> 0) % C_CANCELLED_BITS;
    return (Atomics.load(this.page.words, C_CANCELLED + (bit >>> 5)) & (1 << (bit & 31))) !== 0;
  }

  private *waitSteps(deadline: Deadline): Steps<boolean> {
    const { words } = this.page;
    const ticket = Atomics.add(words, C_NEXT_TICKET, 1);
    const saved = this.lock.releaseForWait();
    let notified = false;
    try {
      for (;;) {
        const limit = Atomics.load(words, C_WAKE_LIMIT);
        if (before(ticket, limit)) {
          notified = true;
          break;
        }
        const outcome = yield { page: this.page, index: C_WAKE_LIMIT, expected: limit, timeout: remaining(deadline) };
        if (outcome === 'timeout' && expired(deadline)) break;
      }
    } finally {
      yield* this.lock.restoreAfterWait(saved);
      if (!notified) {
        // Holding the lock again, decide for good: notified after all, or cancelled.
        notified = before(ticket, Atomics.load(words, C_WAKE_LIMIT));
        if (!notified) this.setCancelled(ticket, true);
      }
    }
    return notified;
  }

  waitSync(deadline: Deadline): boolean {
    return runSync(this.waitSteps(deadline), serveSync);
  }

  wait(deadline: Deadline): Promise<boolean> {
    return runAsync(this.waitSteps(deadline), serveAsync);
  }

  notify(n: number): void {
    const { words, buf } = this.page;
    const next = Atomics.load(words, C_NEXT_TICKET);
    let limit = Atomics.load(words, C_WAKE_LIMIT);
    const start = limit;
    let woken = 0;
    while (woken < n && before(limit, next)) {
      if (this.isCancelled(limit)) this.setCancelled(limit, false);
      else woken++;
      limit = (limit + 1) | 0;
    }
    if (limit !== start) {
      Atomics.store(words, C_WAKE_LIMIT, limit);
      wakeAll(buf, C_WAKE_LIMIT * 4);
    }
  }

  waiting(): number {
    const { words } = this.page;
    return (Atomics.load(words, C_NEXT_TICKET) - Atomics.load(words, C_WAKE_LIMIT)) | 0;
  }

  handle(): KernelHandle {
    return handleOf(this.page);
  }
}

// ---------------------------------------------------------------------------
// Event: one word, (generation << 1) | flag. set() bumps the generation, so a
// waiter returns true if the event was set at any moment of its wait.

const E_STATE = 1;
const E_SLEEPERS = 2;

class FutexEvent implements EventKernel {
  readonly page: SyncPage;

  constructor(page: SyncPage) {
    this.page = page;
  }

  isSet(): boolean {
    return (Atomics.load(this.page.words, E_STATE) & 1) === 1;
  }

  set(): void {
    const { words, buf } = this.page;
    for (;;) {
      const state = Atomics.load(words, E_STATE);
      if (state & 1) return;
      const next = ((((state >>> 1) + 1) & 0x3fffffff) << 1) | 1;
      if (Atomics.compareExchange(words, E_STATE, state, next) === state) break;
    }
    if (Atomics.load(words, E_SLEEPERS) > 0) wakeAll(buf, E_STATE * 4);
  }

  clear(): void {
    Atomics.and(this.page.words, E_STATE, ~1);
  }

  private *waitSteps(deadline: Deadline): Steps<boolean> {
    const { words } = this.page;
    const start = Atomics.load(words, E_STATE);
    if (start & 1) return true;
    Atomics.add(words, E_SLEEPERS, 1);
    try {
      for (;;) {
        const state = Atomics.load(words, E_STATE);
        if (state !== start) return true; // set now, or set and cleared since we started
        const outcome = yield { page: this.page, index: E_STATE, expected: state, timeout: remaining(deadline) };
        if (outcome === 'timeout' && expired(deadline)) {
          return Atomics.load(words, E_STATE) !== start;
        }
      }
    } finally {
      Atomics.sub(words, E_SLEEPERS, 1);
    }
  }

  waitSync(deadline: Deadline): boolean {
    return runSync(this.waitSteps(deadline), serveSync);
  }

  wait(deadline: Deadline): Promise<boolean> {
    if (this.isSet()) return RESOLVED_TRUE;
    return runAsync(this.waitSteps(deadline), serveAsync);
  }

  handle(): KernelHandle {
    return handleOf(this.page);
  }
}

// ---------------------------------------------------------------------------
// Barrier: arrivals counted under a small lock in the same page; the last one
// ends the generation (bumping its word wakes everyone). How each generation
// ended (passed or broken) is kept in a ring, so a slow waiter still learns the
// outcome of its own generation.

const B_ARRIVED = 1;
const B_GENERATION = 2;
const B_BROKEN = 3;
const B_PARTIES = 4;
const B_LOCK = 8; // an embedded lock word, same protocol as Lock
const B_OUTCOMES = 64; // 64 entries: 0 passed, 1 broken
const B_OUTCOME_RING = 64;

class FutexBarrier implements BarrierKernel {
  readonly page: SyncPage;
  private readonly guard: BarrierGuard;

  constructor(page: SyncPage) {
    this.page = page;
    this.guard = new BarrierGuard(page);
  }

  get parties(): number {
    return Atomics.load(this.page.words, B_PARTIES);
  }

  nWaiting(): number {
    return this.broken() ? 0 : Atomics.load(this.page.words, B_ARRIVED);
  }

  broken(): boolean {
    return Atomics.load(this.page.words, B_BROKEN) !== 0;
  }

  /** Ends the current generation as broken; holding the guard. */
  private breakGeneration(): void {
    const { words, buf } = this.page;
    const generation = Atomics.load(words, B_GENERATION);
    Atomics.store(words, B_BROKEN, 1);
    Atomics.store(words, B_OUTCOMES + ((generation >>> 0) % B_OUTCOME_RING), 1);
    Atomics.store(words, B_ARRIVED, 0);
    Atomics.store(words, B_GENERATION, (generation + 1) | 0);
    wakeAll(buf, B_GENERATION * 4);
  }

  private *waitSteps(deadline: Deadline, action: (() => void) | undefined): Steps<BarrierWaitResult> {
    const { words, buf } = this.page;
    this.guard.lock();
    let index: number;
    let generation: number;
    try {
      if (this.broken()) return 'broken-before';
      index = Atomics.load(words, B_ARRIVED);
      generation = Atomics.load(words, B_GENERATION);
      if (index + 1 >= this.parties) {
        try {
          action?.();
        } catch (err) {
          this.breakGeneration();
          throw err;
        }
        Atomics.store(words, B_OUTCOMES + ((generation >>> 0) % B_OUTCOME_RING), 0);
        Atomics.store(words, B_ARRIVED, 0);
        Atomics.store(words, B_GENERATION, (generation + 1) | 0);
        wakeAll(buf, B_GENERATION * 4);
        return index;
      }
      Atomics.store(words, B_ARRIVED, index + 1);
    } finally {
      this.guard.unlock();
    }
    try {
      while (Atomics.load(words, B_GENERATION) === generation) {
        const outcome = yield {
          page: this.page,
          index: B_GENERATION,
          expected: generation,
          timeout: remaining(deadline),
        };
        if (outcome === 'timeout' && expired(deadline)) break;
      }
    } finally {
      // A timeout or an abort of this wait breaks the barrier, as in Python.
      if (Atomics.load(words, B_GENERATION) === generation) {
        this.guard.lock();
        if (Atomics.load(words, B_GENERATION) === generation) this.breakGeneration();
        this.guard.unlock();
      }
    }
    if (Atomics.load(words, B_OUTCOMES + ((generation >>> 0) % B_OUTCOME_RING)) !== 0) {
      return 'broken-while-waiting';
    }
    return index;
  }

  waitSync(deadline: Deadline, action: (() => void) | undefined): BarrierWaitResult {
    return runSync(this.waitSteps(deadline, action), serveSync);
  }

  wait(deadline: Deadline, action: (() => void) | undefined): Promise<BarrierWaitResult> {
    return runAsync(this.waitSteps(deadline, action), serveAsync);
  }

  reset(): void {
    const { words, buf } = this.page;
    this.guard.lock();
    try {
      if (Atomics.load(words, B_ARRIVED) > 0) {
        const generation = Atomics.load(words, B_GENERATION);
        Atomics.store(words, B_OUTCOMES + ((generation >>> 0) % B_OUTCOME_RING), 1);
        Atomics.store(words, B_ARRIVED, 0);
        Atomics.store(words, B_GENERATION, (generation + 1) | 0);
        wakeAll(buf, B_GENERATION * 4);
      }
      Atomics.store(words, B_BROKEN, 0);
    } finally {
      this.guard.unlock();
    }
  }

  abort(): void {
    this.guard.lock();
    try {
      this.breakGeneration();
    } finally {
      this.guard.unlock();
    }
  }

  handle(): KernelHandle {
    return handleOf(this.page);
  }
}

/** The Barrier's own short critical sections: the Lock protocol on a word of its page. */
class BarrierGuard {
  constructor(private readonly barrierPage: SyncPage) {}

  lock(): void {
    const { words } = this.barrierPage;
    if (Atomics.compareExchange(words, B_LOCK, 0, myPid) === 0) return;
    runSync(this.guardSteps(), serveSync);
  }

  private *guardSteps(): Steps<void> {
    const { words } = this.barrierPage;
    for (;;) {
      const state = Atomics.load(words, B_LOCK);
      if (state === 0) {
        if (Atomics.compareExchange(words, B_LOCK, 0, myPid | WAITERS) === 0) return;
        continue;
      }
      if ((state & WAITERS) === 0 && Atomics.compareExchange(words, B_LOCK, state, state | WAITERS) !== state) continue;
      const outcome = yield {
        page: this.barrierPage,
        index: B_LOCK,
        expected: state | WAITERS,
        timeout: OWNER_CHECK_MS,
      };
      const owner = state & PID_MASK;
      if (
        outcome === 'timeout' &&
        owner !== myPid &&
        processGone(owner) &&
        Atomics.compareExchange(words, B_LOCK, state | WAITERS, myPid | WAITERS) === (state | WAITERS)
      )
        return;
    }
  }

  unlock(): void {
    const previous = Atomics.exchange(this.barrierPage.words, B_LOCK, 0);
    if (previous & WAITERS) wake(this.barrierPage.buf, B_LOCK * 4, 1);
  }
}

// ---------------------------------------------------------------------------
// In another process the page's fd arrives with SCM_RIGHTS (or by fork); the
// kernel maps the same memory.

export const posixSyncKernels: SyncKernels = {
  lock: (kind) => lockOn(kind, SyncPage.create()),
  semaphore: (value, max) => {
    const page = SyncPage.create();
    page.words[S_VALUE] = value;
    page.words[S_MAX] = max;
    return new FutexSemaphore(page);
  },
  condition: (lock) => new FutexCondition(SyncPage.create(), lock),
  event: () => new FutexEvent(SyncPage.create()),
  barrier: (parties) => {
    const page = SyncPage.create();
    page.words[B_PARTIES] = parties;
    return new FutexBarrier(page);
  },
  attachLock: (kind, _state, fds) => lockOn(kind, SyncPage.fromFd(fds[0])),
  attachSemaphore: (_state, fds) => new FutexSemaphore(SyncPage.fromFd(fds[0])),
  attachCondition: (lock, _state, fds) => new FutexCondition(SyncPage.fromFd(fds[0]), lock),
  attachEvent: (_state, fds) => new FutexEvent(SyncPage.fromFd(fds[0])),
  attachBarrier: (_state, fds) => new FutexBarrier(SyncPage.fromFd(fds[0])),
};
