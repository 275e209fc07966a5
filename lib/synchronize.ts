// Lock, RLock, Semaphore, BoundedSemaphore, Condition, Event and Barrier that
// work across processes (Python's multiprocessing.synchronize).
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
// compare-and-swap and sets `ownerDied` on its own Lock object.
import { inspect } from 'node:util';
import { CodedError, CodedTypeError, BrokenBarrierError } from './errors';
import { waitSync, waitUntilChanged, wake, wakeAll, type WaitOutcome } from './wait/waiter';
import { runAsync, runSync } from './wait/steps';
import { deadlineOf, expired, remaining, sliceOf, toTimeout, type Deadline } from './wait/timeout';
import { abortError, checkSignal } from './wait/abort';
import { SyncPage } from './internal/sync_page';
import { processGone } from './wait/process_liveness';
import { registerAfterForkInChild } from './child/after_fork';
import { reduce, registerRebuilder, type Reduced } from './reduction';
import { locateExport, type FunctionRef } from './internal/function_ref';
import { fileURLToPath } from 'node:url';

export interface AcquireOptions {
  /** false: do not wait (Python's block=False); the timeout is then ignored. */
  block?: boolean;
  /** Milliseconds; omitted or null waits forever. */
  timeout?: number | null;
  /** Aborting rejects the pending acquire() with an AbortError; the primitive stays consistent. */
  signal?: AbortSignal;
}

/** How often a waiter checks whether the holder of a Lock/RLock still exists. */
export const OWNER_CHECK_MS = 100;

let myPid = process.pid;

// Rebuilding in another process hands the constructor an existing page through
// this slot, so the public constructors keep Python's signatures.
let pageForRebuild: SyncPage | null = null;

function takePage(): { page: SyncPage; rebuilt: boolean } {
  const page = pageForRebuild;
  pageForRebuild = null;
  return page ? { page, rebuilt: true } : { page: SyncPage.create(), rebuilt: false };
}

function rebuildOn<T>(page: SyncPage, make: () => T): T {
  pageForRebuild = page;
  try {
    return make();
  } finally {
    pageForRebuild = null;
  }
}
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

interface CheckedAcquire {
  block: boolean;
  deadline: Deadline;
  signal: AbortSignal | undefined;
}

function checkOptions(opts: AcquireOptions | undefined, call: string): CheckedAcquire {
  if (opts === undefined) return { block: true, deadline: null, signal: undefined };
  if (typeof opts !== 'object' || opts === null) {
    throw new CodedTypeError(
      'ERR_INVALID_ARG_TYPE',
      `${call}(opts): opts must be an object like { block, timeout, signal }`,
    );
  }
  const timeout = toTimeout(opts.timeout, `${call}()`);
  return { block: opts.block ?? true, deadline: deadlineOf(timeout), signal: checkSignal(opts.signal, `${call}()`) };
}

// ---------------------------------------------------------------------------
// Lock and RLock share the owner word.

const PID_MASK = 0x3fffffff;
const WAITERS = 0x40000000; // someone sleeps on the word: release must wake

const L_STATE = 1; // 0 free, else owner pid | WAITERS
const L_COUNT = 2; // RLock recursion depth, touched by the owner only

abstract class OwnedLock {
  /** @internal */ readonly page: SyncPage;
  /**
   * true when the most recent successful acquire through this object took the
   * lock over from a process that died holding it (the data it protected may
   * be half-updated); false otherwise.
   */
  ownerDied = false;

  /** @internal */ readonly words: Int32Array; // this.page.words, one property load closer

  protected constructor() {
    this.page = takePage().page;
    this.words = this.page.words;
  }

  protected tryTake(contended: boolean): boolean {
    if (Atomics.compareExchange(this.words, L_STATE, 0, contended ? myPid | WAITERS : myPid) !== 0) return false;
    this.ownerDied = false;
    return true;
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
  protected *acquireSteps(block: boolean, deadline: number | null): Steps<boolean> {
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

  protected acquireSyncImpl(opts: AcquireOptions | undefined, call: string): boolean {
    if (opts === undefined && this.tryTake(false)) return true;
    const { block, deadline } = checkOptions(opts, call);
    if (this.tryTake(false)) return true;
    return runSync(this.acquireSteps(block, deadline), serveSync);
  }

  protected acquireImpl(opts: AcquireOptions | undefined, call: string): Promise<boolean> {
    if (opts === undefined && this.tryTake(false)) return RESOLVED_TRUE;
    try {
      const { block, deadline, signal } = checkOptions(opts, call);
      if (signal?.aborted) return Promise.reject(abortError(signal));
      if (this.tryTake(false)) return RESOLVED_TRUE;
      return runAsync(this.acquireSteps(block, deadline), serveAsync, signal);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Frees the word and wakes one sleeper if any. */
  protected unlock(): void {
    const previous = Atomics.exchange(this.words, L_STATE, 0);
    if (previous & WAITERS) wake(this.page.buf, L_STATE * 4, 1);
  }

  /** Python's repr: <Lock(owner=1234)> / <RLock(owner=1234, count=2)> / owner=None. */
  [inspect.custom](): string {
    const owner = this.ownerPid();
    const count = this instanceof RLock && owner !== 0 ? `, count=${Atomics.load(this.words, L_COUNT)}` : '';
    return `<${this.constructor.name}(owner=${owner === 0 ? 'None' : owner}${count})>`;
  }

  /** @internal the pid holding the lock, 0 when free */
  ownerPid(): number {
    return Atomics.load(this.page.words, L_STATE) & PID_MASK;
  }

  /** @internal whether this process holds it (Condition's precondition) */
  abstract isMine(): boolean;
  /** @internal release completely for Condition.wait; returns what restore needs */
  abstract releaseForWait(): number;
  /** @internal re-acquire after Condition.wait */
  abstract restoreAfterWait(saved: number): Steps<void>;

  abstract acquire(opts?: AcquireOptions): Promise<boolean>;
  abstract release(): void;

  /** Python's `with lock:` - runs fn holding the lock, releases it even if fn throws. */
  async withLock<R>(fn: () => R | Promise<R>): Promise<R> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }
}

/** A non-recursive lock shared between processes (Python's multiprocessing.Lock). */
export class Lock extends OwnedLock {
  constructor() {
    super();
  }

  /** Resolves true once held, false if { block: false } or the timeout found it held. */
  acquire(opts?: AcquireOptions): Promise<boolean> {
    return this.acquireImpl(opts, 'Lock.acquire');
  }

  acquireSync(opts?: AcquireOptions): boolean {
    return this.acquireSyncImpl(opts, 'Lock.acquireSync');
  }

  /** Releases the lock; any process may release it, as in Python. Throws ERR_LOCK_NOT_OWNED if it is not held. */
  release(): void {
    if (Atomics.load(this.words, L_STATE) === 0) {
      throw new CodedError('ERR_LOCK_NOT_OWNED', 'release() of a Lock that is not held');
    }
    this.unlock();
  }

  isMine(): boolean {
    return this.ownerPid() === myPid;
  }

  releaseForWait(): number {
    this.unlock();
    return 1;
  }

  *restoreAfterWait(): Steps<void> {
    if (!this.tryTake(true)) yield* this.acquireSteps(true, null);
  }

  [reduce](): Reduced {
    return { kind: 'Lock', state: null, fds: [this.page.fd] };
  }
}

/** A recursive lock owned by one process at a time (Python's multiprocessing.RLock). */
export class RLock extends OwnedLock {
  constructor() {
    super();
  }

  private enter(): boolean {
    const { words } = this.page;
    if (this.ownerPid() === myPid && Atomics.load(words, L_COUNT) > 0) {
      Atomics.add(words, L_COUNT, 1);
      return true;
    }
    return false;
  }

  /** Resolves true once held (again, if this process holds it already). */
  acquire(opts?: AcquireOptions): Promise<boolean> {
    try {
      if (this.enter()) return Promise.resolve(true);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.acquireImpl(opts, 'RLock.acquire').then((got) => {
      if (got) Atomics.store(this.page.words, L_COUNT, 1);
      return got;
    });
  }

  acquireSync(opts?: AcquireOptions): boolean {
    if (this.enter()) return true;
    const got = this.acquireSyncImpl(opts, 'RLock.acquireSync');
    if (got) Atomics.store(this.page.words, L_COUNT, 1);
    return got;
  }

  /** Releases one level; throws ERR_LOCK_NOT_OWNED unless this process holds it. */
  release(): void {
    const { words } = this.page;
    if (!this.isMine()) {
      throw new CodedError('ERR_LOCK_NOT_OWNED', 'release() of an RLock this process does not hold');
    }
    if (Atomics.sub(words, L_COUNT, 1) === 1) this.unlock();
  }

  isMine(): boolean {
    return this.ownerPid() === myPid && Atomics.load(this.page.words, L_COUNT) > 0;
  }

  releaseForWait(): number {
    const depth = Atomics.exchange(this.page.words, L_COUNT, 0);
    this.unlock();
    return depth;
  }

  *restoreAfterWait(depth: number): Steps<void> {
    if (!this.tryTake(true)) yield* this.acquireSteps(true, null);
    Atomics.store(this.page.words, L_COUNT, depth);
  }

  [reduce](): Reduced {
    return { kind: 'RLock', state: null, fds: [this.page.fd] };
  }
}

// ---------------------------------------------------------------------------
// Semaphore and BoundedSemaphore.

const S_VALUE = 1;
const S_SLEEPERS = 2;
const S_MAX = 3; // -1: unbounded
const SEM_VALUE_MAX = 0x7fffffff;

function checkCount(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > SEM_VALUE_MAX) {
    throw new CodedError(
      'ERR_INVALID_ARG_VALUE',
      `${what} must be an integer from 0 to ${SEM_VALUE_MAX}, got ${String(value)}`,
    );
  }
  return value;
}

/** A counting semaphore shared between processes (Python's multiprocessing.Semaphore). */
export class Semaphore {
  /** @internal */ readonly page: SyncPage;

  constructor(value = 1) {
    if (pageForRebuild === null) checkCount(value, `${new.target.name}(value)`);
    const { page, rebuilt } = takePage();
    this.page = page;
    if (rebuilt) return;
    this.page.words[S_VALUE] = value;
    this.page.words[S_MAX] = this instanceof BoundedSemaphore ? value : -1;
  }

  private tryDecrement(): boolean {
    const { words } = this.page;
    for (;;) {
      const value = Atomics.load(words, S_VALUE);
      if (value <= 0) return false;
      if (Atomics.compareExchange(words, S_VALUE, value, value - 1) === value) return true;
    }
  }

  private *acquireSteps(block: boolean, deadline: number | null): Steps<boolean> {
    const { words, buf } = this.page;
    for (;;) {
      if (this.tryDecrement()) return true;
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
      if (outcome === 'timeout' && expired(deadline)) return this.tryDecrement();
    }
  }

  /** Resolves true once a unit is taken; false with { block: false } or after the timeout. */
  acquire(opts?: AcquireOptions): Promise<boolean> {
    try {
      const { block, deadline, signal } = checkOptions(opts, 'Semaphore.acquire');
      if (signal?.aborted) return Promise.reject(abortError(signal));
      if (this.tryDecrement()) return Promise.resolve(true);
      return runAsync(this.acquireSteps(block, deadline), serveAsync, signal);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  acquireSync(opts?: AcquireOptions): boolean {
    const { block, deadline } = checkOptions(opts, 'Semaphore.acquireSync');
    if (this.tryDecrement()) return true;
    return runSync(this.acquireSteps(block, deadline), serveSync);
  }

  /** Returns one unit; a BoundedSemaphore throws ERR_SEMAPHORE_OVER_RELEASED above its initial value. */
  release(): void {
    const { words, buf } = this.page;
    const max = Atomics.load(words, S_MAX);
    for (;;) {
      const value = Atomics.load(words, S_VALUE);
      if (max >= 0 && value >= max) {
        throw new CodedError(
          'ERR_SEMAPHORE_OVER_RELEASED',
          `release() of a BoundedSemaphore already at its initial value ${max}`,
        );
      }
      if (value === SEM_VALUE_MAX) {
        throw new CodedError('ERR_SEMAPHORE_OVER_RELEASED', 'release() would overflow the semaphore');
      }
      if (Atomics.compareExchange(words, S_VALUE, value, value + 1) === value) break;
    }
    if (Atomics.load(words, S_SLEEPERS) > 0) wake(buf, S_VALUE * 4, 1);
  }

  [inspect.custom](): string {
    const max = Atomics.load(this.page.words, S_MAX);
    return `<${this.constructor.name}(value=${this.getValue()}${max >= 0 ? `, maxvalue=${max}` : ''})>`;
  }

  /** The current count (Python's get_value). */
  getValue(): number {
    return Atomics.load(this.page.words, S_VALUE);
  }

  async withLock<R>(fn: () => R | Promise<R>): Promise<R> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  [reduce](): Reduced {
    return { kind: 'Semaphore', state: null, fds: [this.page.fd] };
  }
}

/** A Semaphore whose release() refuses to go above the initial value. */
export class BoundedSemaphore extends Semaphore {
  constructor(value = 1) {
    super(value);
  }

  override [reduce](): Reduced {
    return { kind: 'BoundedSemaphore', state: null, fds: [this.page.fd] };
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

/** A condition variable over a Lock or RLock (default: a new RLock), as Python's. */
export class Condition {
  /** @internal */ readonly page: SyncPage;
  private readonly lock: Lock | RLock;

  constructor(lock?: Lock | RLock) {
    if (lock !== undefined && !(lock instanceof Lock) && !(lock instanceof RLock)) {
      throw new CodedTypeError('ERR_INVALID_ARG_TYPE', 'Condition(lock): lock must be a Lock or an RLock');
    }
    this.page = takePage().page;
    this.lock = lock ?? new RLock();
  }

  acquire(opts?: AcquireOptions): Promise<boolean> {
    return this.lock.acquire(opts);
  }

  acquireSync(opts?: AcquireOptions): boolean {
    return this.lock.acquireSync(opts);
  }

  release(): void {
    this.lock.release();
  }

  withLock<R>(fn: () => R | Promise<R>): Promise<R> {
    return this.lock.withLock(fn);
  }

  /** true when the last acquire of the underlying lock took it over from a dead process. */
  get ownerDied(): boolean {
    return this.lock.ownerDied;
  }

  private assertOwned(what: string): void {
    if (!this.lock.isMine()) {
      throw new CodedError('ERR_LOCK_NOT_OWNED', `${what} on a Condition whose lock this process does not hold`);
    }
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
    this.assertOwned('wait()');
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

  /** Releases the lock, waits for notify() or the timeout, re-acquires; resolves false on timeout. */
  wait(timeout?: number | null): Promise<boolean> {
    try {
      return runAsync(this.waitSteps(deadlineOf(toTimeout(timeout, 'Condition.wait()'))), serveAsync);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  waitSync(timeout?: number | null): boolean {
    return runSync(this.waitSteps(deadlineOf(toTimeout(timeout, 'Condition.waitSync()'))), serveSync);
  }

  /** Waits until predicate() is truthy (checked holding the lock); returns its last value. */
  async waitFor<T>(predicate: () => T | Promise<T>, timeout?: number | null): Promise<T> {
    const deadline = deadlineOf(toTimeout(timeout, 'Condition.waitFor()'));
    let result = await predicate();
    while (!result) {
      const left = remaining(deadline);
      if (left === 0) break;
      await this.wait(left);
      result = await predicate();
    }
    return result;
  }

  waitForSync<T>(predicate: () => T, timeout?: number | null): T {
    const deadline = deadlineOf(toTimeout(timeout, 'Condition.waitForSync()'));
    let result = predicate();
    while (!result) {
      const left = remaining(deadline);
      if (left === 0) break;
      this.waitSync(left);
      result = predicate();
    }
    return result;
  }

  /** Wakes exactly min(n, waiting) waiters; the caller must hold the lock. */
  notify(n = 1): void {
    this.assertOwned('notify()');
    if (typeof n !== 'number' || Number.isNaN(n) || n < 0) {
      throw new CodedError('ERR_INVALID_ARG_VALUE', `notify(n): n must be a non-negative number, got ${String(n)}`);
    }
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

  notifyAll(): void {
    this.notify(Infinity);
  }

  [inspect.custom](): string {
    const { words } = this.page;
    const waiting = (Atomics.load(words, C_NEXT_TICKET) - Atomics.load(words, C_WAKE_LIMIT)) | 0;
    return `<Condition(${inspect(this.lock)}, waiting<=${waiting})>`;
  }

  [reduce](): Reduced {
    const lock = this.lock[reduce]();
    return { kind: 'Condition', state: { lockKind: lock.kind }, fds: [lock.fds![0], this.page.fd] };
  }
}

// ---------------------------------------------------------------------------
// Event: one word, (generation << 1) | flag. set() bumps the generation, so a
// waiter returns true if the event was set at any moment of its wait.

const E_STATE = 1;
const E_SLEEPERS = 2;

/** Python's multiprocessing.Event. */
export class Event {
  /** @internal */ readonly page: SyncPage;

  constructor() {
    this.page = takePage().page;
  }

  isSet(): boolean {
    return (Atomics.load(this.page.words, E_STATE) & 1) === 1;
  }

  /** Sets the flag and wakes every waiter in every process. */
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

  [inspect.custom](): string {
    return `<Event(${this.isSet() ? 'set' : 'unset'})>`;
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

  /** Resolves true once set (at once if set now), false after the timeout. */
  wait(timeout?: number | null): Promise<boolean> {
    try {
      const deadline = deadlineOf(toTimeout(timeout, 'Event.wait()'));
      if (this.isSet()) return RESOLVED_TRUE;
      return runAsync(this.waitSteps(deadline), serveAsync);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  waitSync(timeout?: number | null): boolean {
    return runSync(this.waitSteps(deadlineOf(toTimeout(timeout, 'Event.waitSync()'))), serveSync);
  }

  [reduce](): Reduced {
    return { kind: 'Event', state: null, fds: [this.page.fd] };
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

/** Python's multiprocessing.Barrier. */
export class Barrier {
  /** @internal */ readonly page: SyncPage;
  private readonly action?: () => void;
  private readonly defaultTimeout: number | null;
  private readonly guard: BarrierGuard;

  constructor(parties: number, opts: { action?: () => void; timeout?: number | null } = {}) {
    const rebuilding = pageForRebuild !== null;
    if (
      !rebuilding &&
      (typeof parties !== 'number' || !Number.isInteger(parties) || parties < 1 || parties > 0x3fffffff)
    ) {
      throw new CodedError(
        'ERR_INVALID_ARG_VALUE',
        `Barrier(parties): parties must be a positive integer, got ${String(parties)}`,
      );
    }
    if (opts.action !== undefined && typeof opts.action !== 'function') {
      throw new CodedTypeError('ERR_INVALID_ARG_TYPE', 'Barrier action must be a function');
    }
    const defaultTimeout = toTimeout(opts.timeout, 'Barrier()');
    this.page = takePage().page;
    if (!rebuilding) this.page.words[B_PARTIES] = parties;
    this.action = opts.action;
    this.defaultTimeout = defaultTimeout;
    this.guard = new BarrierGuard(this.page);
  }

  get parties(): number {
    return Atomics.load(this.page.words, B_PARTIES);
  }

  /** How many are waiting in the current generation. */
  get nWaiting(): number {
    return this.broken ? 0 : Atomics.load(this.page.words, B_ARRIVED);
  }

  get broken(): boolean {
    return Atomics.load(this.page.words, B_BROKEN) !== 0;
  }

  [inspect.custom](): string {
    return `<Barrier(parties=${this.parties}, nWaiting=${this.nWaiting}, broken=${this.broken})>`;
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

  private *waitSteps(deadline: Deadline): Steps<number> {
    const { words, buf } = this.page;
    this.guard.lock();
    let index: number;
    let generation: number;
    try {
      if (this.broken) throw new BrokenBarrierError('the barrier is broken');
      index = Atomics.load(words, B_ARRIVED);
      generation = Atomics.load(words, B_GENERATION);
      if (index + 1 >= this.parties) {
        try {
          this.action?.();
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
      throw new BrokenBarrierError('the barrier was broken (reset, abort or timeout) while waiting');
    }
    return index;
  }

  /** Resolves this party's arrival index (0 to parties-1) once all parties have arrived. */
  wait(timeout?: number | null): Promise<number> {
    try {
      return runAsync(this.waitSteps(this.deadlineOf(timeout, 'Barrier.wait()')), serveAsync);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  waitSync(timeout?: number | null): number {
    return runSync(this.waitSteps(this.deadlineOf(timeout, 'Barrier.waitSync()')), serveSync);
  }

  /** As in Python, no timeout (undefined or null) means the Barrier's own. */
  private deadlineOf(timeout: number | null | undefined, call: string): Deadline {
    return deadlineOf(timeout == null ? this.defaultTimeout : toTimeout(timeout, call));
  }

  /** Back to the empty, unbroken state; current waiters get BrokenBarrierError. */
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

  /** Breaks the barrier: current and future waiters get BrokenBarrierError until reset(). */
  abort(): void {
    this.guard.lock();
    try {
      this.breakGeneration();
    } finally {
      this.guard.unlock();
    }
  }

  /**
   * The action travels by reference, as Python pickles it: it must be exported
   * from its module (ERR_NOT_IMPORTABLE otherwise) and is looked up again there.
   */
  [reduce](): Reduced {
    const action = this.action ? locateExport(this.action, 'Barrier action') : null;
    return { kind: 'Barrier', state: { timeout: this.defaultTimeout, action }, fds: [this.page.fd] };
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
// Rebuilding in a child started by forkserver or spawn: the page's fd arrives
// with SCM_RIGHTS; the new object maps the same memory.

registerRebuilder('Lock', (_state: null, fds: number[]) => rebuildOn(SyncPage.fromFd(fds[0]), () => new Lock()));
registerRebuilder('RLock', (_state: null, fds: number[]) => rebuildOn(SyncPage.fromFd(fds[0]), () => new RLock()));
registerRebuilder('Semaphore', (_state: null, fds: number[]) =>
  rebuildOn(SyncPage.fromFd(fds[0]), () => new Semaphore()),
);
registerRebuilder('BoundedSemaphore', (_state: null, fds: number[]) =>
  rebuildOn(SyncPage.fromFd(fds[0]), () => new BoundedSemaphore()),
);
registerRebuilder('Event', (_state: null, fds: number[]) => rebuildOn(SyncPage.fromFd(fds[0]), () => new Event()));
registerRebuilder('Barrier', (state: { timeout: number | null; action: FunctionRef | null }, fds: number[]) =>
  rebuildOn(
    SyncPage.fromFd(fds[0]),
    () => new Barrier(0, { timeout: state.timeout, action: loadAction(state.action) }),
  ),
);

/**
 * The exported action a FunctionRef names, from an already loaded (or
 * loadable) CommonJS module; rebuilding is synchronous, so an action exported
 * only by an ES module that is not in require's cache cannot be found, and the
 * rebuilt Barrier has none (README).
 */
function loadAction(ref: FunctionRef | null): (() => void) | undefined {
  if (ref === null) return undefined;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- synchronous on purpose (see above)
    const exported = require(fileURLToPath(ref.moduleUrl));
    const fn = ref.exportName === null ? exported : exported?.[ref.exportName];
    if (typeof fn !== 'function') return undefined;
    if (ref.guessed && Function.prototype.toString.call(fn) !== ref.source) return undefined;
    return fn;
  } catch {
    return undefined;
  }
}
registerRebuilder('Condition', (state: { lockKind: string }, fds: number[]) => {
  const lockPage = SyncPage.fromFd(fds[0]);
  const lock = rebuildOn(lockPage, () => (state.lockKind === 'Lock' ? new Lock() : new RLock()));
  return rebuildOn(SyncPage.fromFd(fds[1]), () => new Condition(lock));
});
