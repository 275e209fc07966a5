// Lock, RLock, Semaphore, BoundedSemaphore, Condition, Event and Barrier that
// work across processes (Python's multiprocessing.synchronize).
//
// These classes check arguments, keep Python's semantics, names and error
// messages, and decide how each primitive crosses to another process; the
// shared state and the waiting are the backend's (lib/kernels/sync.ts):
// futex words in shared memory under posix (lib/kernels/posix/synchronize.ts),
// objects in the broker process under portable (lib/kernels/portable/sync.ts).
//
// Owner death: when a process dies holding a Lock or RLock, the next acquire
// takes it over and sets `ownerDied` on the acquiring object (posix: a waiter
// finds the owner's pid gone; portable: the broker sees its connection close).
import { inspect } from 'node:util';
import { CodedError, CodedTypeError, BrokenBarrierError } from './errors';
import { deadlineOf, remaining, toTimeout, type Deadline } from './wait/timeout';
import { abortError, checkSignal } from './wait/abort';
import { kernels } from './backend';
import { reduce, registerRebuilder, type Reduced } from './reduction';
import { locateExport, type FunctionRef } from './internal/function_ref';
import { fileURLToPath } from 'node:url';
import type {
  BarrierKernel,
  BarrierWaitResult,
  ConditionKernel,
  EventKernel,
  KernelHandle,
  LockKernel,
  LockKind,
  SemaphoreKernel,
} from './kernels/sync';

export interface AcquireOptions {
  /** false: do not wait (Python's block=False); the timeout is then ignored. */
  block?: boolean;
  /** Milliseconds; omitted or null waits forever. */
  timeout?: number | null;
  /** Aborting rejects the pending acquire() with an AbortError; the primitive stays consistent. */
  signal?: AbortSignal;
}

// Rebuilding in another process hands the constructor an existing kernel
// through this slot, so the public constructors keep Python's signatures.
let kernelForRebuild: unknown = null;

function takeKernel<K>(make: () => K): K {
  const kernel = kernelForRebuild as K | null;
  kernelForRebuild = null;
  return kernel ?? make();
}

function rebuildOn<T>(kernel: unknown, make: () => T): T {
  kernelForRebuild = kernel;
  try {
    return make();
  } finally {
    kernelForRebuild = null;
  }
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

/** The reduced form of a primitive: its kernel's handle under `kind`. */
function reduced(kind: string, handle: KernelHandle, extra?: Record<string, unknown>): Reduced {
  return { kind, state: { kernel: handle.state, ...extra }, fds: handle.fds };
}

// ---------------------------------------------------------------------------
// Lock and RLock.

abstract class OwnedLock {
  /** @internal */ readonly kernel: LockKernel;

  protected constructor(kind: LockKind) {
    this.kernel = takeKernel(() => kernels().sync.lock(kind));
  }

  /**
   * true when the most recent successful acquire through this object took the
   * lock over from a process that died holding it (the data it protected may
   * be half-updated); false otherwise.
   */
  get ownerDied(): boolean {
    return this.kernel.ownerDied;
  }

  protected acquireSyncImpl(opts: AcquireOptions | undefined, call: string): boolean {
    if (opts === undefined && this.kernel.tryAcquire()) return true;
    const { block, deadline } = checkOptions(opts, call);
    return this.kernel.acquireSync(block, deadline);
  }

  protected acquireImpl(opts: AcquireOptions | undefined, call: string): Promise<boolean> {
    if (opts === undefined && this.kernel.tryAcquire()) return RESOLVED_TRUE;
    try {
      const { block, deadline, signal } = checkOptions(opts, call);
      if (signal?.aborted) return Promise.reject(abortError(signal));
      return this.kernel.acquire(block, deadline, signal);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Python's repr: <Lock(owner=1234)> / <RLock(owner=1234, count=2)> / owner=None. */
  [inspect.custom](): string {
    const { owner, count } = this.kernel.describe();
    const depth = this instanceof RLock && owner !== 0 ? `, count=${count}` : '';
    return `<${this.constructor.name}(owner=${owner === 0 ? 'None' : owner}${depth})>`;
  }

  /** @internal the pid holding the lock, 0 when free */
  ownerPid(): number {
    return this.kernel.describe().owner;
  }

  /** @internal whether this process holds it (Condition's precondition) */
  isMine(): boolean {
    return this.kernel.isMine();
  }

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
    super('Lock');
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
    if (!this.kernel.release()) {
      throw new CodedError('ERR_LOCK_NOT_OWNED', 'release() of a Lock that is not held');
    }
  }

  [reduce](): Reduced {
    return reduced('Lock', this.kernel.handle());
  }
}

/** A recursive lock owned by one process at a time (Python's multiprocessing.RLock). */
export class RLock extends OwnedLock {
  constructor() {
    super('RLock');
  }

  /** Resolves true once held (again, if this process holds it already). */
  acquire(opts?: AcquireOptions): Promise<boolean> {
    return this.acquireImpl(opts, 'RLock.acquire');
  }

  acquireSync(opts?: AcquireOptions): boolean {
    return this.acquireSyncImpl(opts, 'RLock.acquireSync');
  }

  /** Releases one level; throws ERR_LOCK_NOT_OWNED unless this process holds it. */
  release(): void {
    if (!this.kernel.release()) {
      throw new CodedError('ERR_LOCK_NOT_OWNED', 'release() of an RLock this process does not hold');
    }
  }

  [reduce](): Reduced {
    return reduced('RLock', this.kernel.handle());
  }
}

// ---------------------------------------------------------------------------
// Semaphore and BoundedSemaphore.

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
  /** @internal */ readonly kernel: SemaphoreKernel;

  constructor(value = 1) {
    if (kernelForRebuild === null) checkCount(value, `${new.target.name}(value)`);
    const bounded = new.target === BoundedSemaphore || new.target.prototype instanceof BoundedSemaphore;
    this.kernel = takeKernel(() => kernels().sync.semaphore(value, bounded ? value : -1));
  }

  /** Resolves true once a unit is taken; false with { block: false } or after the timeout. */
  acquire(opts?: AcquireOptions): Promise<boolean> {
    try {
      const { block, deadline, signal } = checkOptions(opts, 'Semaphore.acquire');
      if (signal?.aborted) return Promise.reject(abortError(signal));
      return this.kernel.acquire(block, deadline, signal);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  acquireSync(opts?: AcquireOptions): boolean {
    const { block, deadline } = checkOptions(opts, 'Semaphore.acquireSync');
    return this.kernel.acquireSync(block, deadline);
  }

  /** Returns one unit; a BoundedSemaphore throws ERR_SEMAPHORE_OVER_RELEASED above its initial value. */
  release(): void {
    const refusal = this.kernel.release();
    if (refusal === 'bounded') {
      throw new CodedError(
        'ERR_SEMAPHORE_OVER_RELEASED',
        `release() of a BoundedSemaphore already at its initial value ${this.kernel.maxValue()}`,
      );
    }
    if (refusal === 'overflow') {
      throw new CodedError('ERR_SEMAPHORE_OVER_RELEASED', 'release() would overflow the semaphore');
    }
  }

  [inspect.custom](): string {
    const max = this.kernel.maxValue();
    return `<${this.constructor.name}(value=${this.getValue()}${max >= 0 ? `, maxvalue=${max}` : ''})>`;
  }

  /** The current count (Python's get_value). */
  getValue(): number {
    return this.kernel.getValue();
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
    return reduced('Semaphore', this.kernel.handle());
  }
}

/** A Semaphore whose release() refuses to go above the initial value. */
export class BoundedSemaphore extends Semaphore {
  constructor(value = 1) {
    super(value);
  }

  override [reduce](): Reduced {
    return reduced('BoundedSemaphore', this.kernel.handle());
  }
}

// ---------------------------------------------------------------------------
// Condition.

/** A condition variable over a Lock or RLock (default: a new RLock), as Python's. */
export class Condition {
  /** @internal */ readonly kernel: ConditionKernel;
  private readonly lock: Lock | RLock;

  constructor(lock?: Lock | RLock) {
    if (lock !== undefined && !(lock instanceof Lock) && !(lock instanceof RLock)) {
      throw new CodedTypeError('ERR_INVALID_ARG_TYPE', 'Condition(lock): lock must be a Lock or an RLock');
    }
    const rebuilt = kernelForRebuild as ConditionKernel | null;
    kernelForRebuild = null;
    this.lock = lock ?? new RLock();
    this.kernel = rebuilt ?? kernels().sync.condition(this.lock.kernel);
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

  /** Releases the lock, waits for notify() or the timeout, re-acquires; resolves false on timeout. */
  wait(timeout?: number | null): Promise<boolean> {
    try {
      const deadline = deadlineOf(toTimeout(timeout, 'Condition.wait()'));
      this.assertOwned('wait()');
      return this.kernel.wait(deadline);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  waitSync(timeout?: number | null): boolean {
    const deadline = deadlineOf(toTimeout(timeout, 'Condition.waitSync()'));
    this.assertOwned('wait()');
    return this.kernel.waitSync(deadline);
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
    this.kernel.notify(n);
  }

  notifyAll(): void {
    this.notify(Infinity);
  }

  [inspect.custom](): string {
    return `<Condition(${inspect(this.lock)}, waiting<=${this.kernel.waiting()})>`;
  }

  [reduce](): Reduced {
    const lock = this.lock[reduce]();
    const own = this.kernel.handle();
    return {
      kind: 'Condition',
      state: { lock, kernel: own.state, lockFds: lock.fds?.length ?? 0 },
      fds: [...(lock.fds ?? []), ...own.fds],
    };
  }
}

// ---------------------------------------------------------------------------
// Event.

/** Python's multiprocessing.Event. */
export class Event {
  /** @internal */ readonly kernel: EventKernel;

  constructor() {
    this.kernel = takeKernel(() => kernels().sync.event());
  }

  isSet(): boolean {
    return this.kernel.isSet();
  }

  /** Sets the flag and wakes every waiter in every process. */
  set(): void {
    this.kernel.set();
  }

  clear(): void {
    this.kernel.clear();
  }

  [inspect.custom](): string {
    return `<Event(${this.isSet() ? 'set' : 'unset'})>`;
  }

  /** Resolves true once set (at once if set now), false after the timeout. */
  wait(timeout?: number | null): Promise<boolean> {
    try {
      return this.kernel.wait(deadlineOf(toTimeout(timeout, 'Event.wait()')));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  waitSync(timeout?: number | null): boolean {
    return this.kernel.waitSync(deadlineOf(toTimeout(timeout, 'Event.waitSync()')));
  }

  [reduce](): Reduced {
    return reduced('Event', this.kernel.handle());
  }
}

// ---------------------------------------------------------------------------
// Barrier.

function checkBarrierResult(result: BarrierWaitResult): number {
  if (result === 'broken-before') throw new BrokenBarrierError('the barrier is broken');
  if (result === 'broken-while-waiting') {
    throw new BrokenBarrierError('the barrier was broken (reset, abort or timeout) while waiting');
  }
  return result;
}

/** Python's multiprocessing.Barrier. */
export class Barrier {
  /** @internal */ readonly kernel: BarrierKernel;
  private readonly action?: () => void;
  private readonly defaultTimeout: number | null;

  constructor(parties: number, opts: { action?: () => void; timeout?: number | null } = {}) {
    const rebuilding = kernelForRebuild !== null;
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
    this.kernel = takeKernel(() => kernels().sync.barrier(parties));
    this.action = opts.action;
    this.defaultTimeout = defaultTimeout;
  }

  get parties(): number {
    return this.kernel.parties;
  }

  /** How many are waiting in the current generation. */
  get nWaiting(): number {
    return this.kernel.nWaiting();
  }

  get broken(): boolean {
    return this.kernel.broken();
  }

  [inspect.custom](): string {
    return `<Barrier(parties=${this.parties}, nWaiting=${this.nWaiting}, broken=${this.broken})>`;
  }

  /** Resolves this party's arrival index (0 to parties-1) once all parties have arrived. */
  wait(timeout?: number | null): Promise<number> {
    try {
      return this.kernel.wait(this.deadlineOf(timeout, 'Barrier.wait()'), this.action).then(checkBarrierResult);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  waitSync(timeout?: number | null): number {
    return checkBarrierResult(this.kernel.waitSync(this.deadlineOf(timeout, 'Barrier.waitSync()'), this.action));
  }

  /** As in Python, no timeout (undefined or null) means the Barrier's own. */
  private deadlineOf(timeout: number | null | undefined, call: string): Deadline {
    return deadlineOf(timeout == null ? this.defaultTimeout : toTimeout(timeout, call));
  }

  /** Back to the empty, unbroken state; current waiters get BrokenBarrierError. */
  reset(): void {
    this.kernel.reset();
  }

  /** Breaks the barrier: current and future waiters get BrokenBarrierError until reset(). */
  abort(): void {
    this.kernel.abort();
  }

  /**
   * The action travels by reference, as Python pickles it: it must be exported
   * from its module (ERR_NOT_IMPORTABLE otherwise) and is looked up again there.
   */
  [reduce](): Reduced {
    const action = this.action ? locateExport(this.action, 'Barrier action') : null;
    return reduced('Barrier', this.kernel.handle(), { timeout: this.defaultTimeout, action });
  }
}

// ---------------------------------------------------------------------------
// Rebuilding in another process: the kernel attaches to the same shared
// object (posix: the page's fd, arrived with SCM_RIGHTS; portable: the
// broker's id), and the public object wraps it.

// A null state is the posix form of before the seam ({ kind: 'Lock', state: null }, fds).
type KernelState = { kernel: unknown } | null;

function rebuildLock(kind: LockKind, state: KernelState, fds: number[]): Lock | RLock {
  const kernel = kernels().sync.attachLock(kind, state?.kernel ?? null, fds);
  return rebuildOn(kernel, () => (kind === 'Lock' ? new Lock() : new RLock()));
}

registerRebuilder('Lock', (state: KernelState, fds: number[]) => rebuildLock('Lock', state, fds));
registerRebuilder('RLock', (state: KernelState, fds: number[]) => rebuildLock('RLock', state, fds));
registerRebuilder('Semaphore', (state: KernelState, fds: number[]) =>
  rebuildOn(kernels().sync.attachSemaphore(state?.kernel ?? null, fds), () => new Semaphore()),
);
registerRebuilder('BoundedSemaphore', (state: KernelState, fds: number[]) =>
  rebuildOn(kernels().sync.attachSemaphore(state?.kernel ?? null, fds), () => new BoundedSemaphore()),
);
registerRebuilder('Event', (state: KernelState, fds: number[]) =>
  rebuildOn(kernels().sync.attachEvent(state?.kernel ?? null, fds), () => new Event()),
);
registerRebuilder(
  'Barrier',
  (state: { kernel: unknown; timeout: number | null; action: FunctionRef | null }, fds: number[]) =>
    rebuildOn(
      kernels().sync.attachBarrier(state.kernel, fds),
      () => new Barrier(0, { timeout: state.timeout, action: loadAction(state.action) }),
    ),
);
registerRebuilder('Condition', (state: { kernel: unknown; lock: Reduced; lockFds: number }, fds: number[]) => {
  const lockKind = state.lock.kind as LockKind;
  const lock = rebuildLock(lockKind, state.lock.state as KernelState, fds.slice(0, state.lockFds));
  const kernel = kernels().sync.attachCondition(lock.kernel, state.kernel, fds.slice(state.lockFds));
  return rebuildOn(kernel, () => new Condition(lock));
});

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
