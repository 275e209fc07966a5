// The synchronisation kernels (lib/kernel.ts): what a backend provides for
// Lock, RLock, Semaphore, BoundedSemaphore, Condition, Event and Barrier.
// The public classes (lib/synchronize.ts) check arguments, hold the error
// messages and the reduce/rebuild hooks; a kernel object is one primitive's
// shared state and its waiting algorithms. Timeouts arrive as deadlines on
// lib/wait/timeout.ts's clock, already checked.
import type { Deadline } from '../wait/timeout';

/** How a kernel object crosses to another process: plain state, and the fds it needs (posix) or none (portable). */
export interface KernelHandle {
  state: unknown;
  fds: number[];
}

export type LockKind = 'Lock' | 'RLock';

export interface LockKernel {
  /** true when the last successful acquire through this object took the lock over from a process that died holding it. */
  readonly ownerDied: boolean;
  /** One attempt without waiting, without options; false means "take the slow path", not "held". */
  tryAcquire(): boolean;
  acquireSync(block: boolean, deadline: Deadline): boolean;
  acquire(block: boolean, deadline: Deadline, signal: AbortSignal | undefined): Promise<boolean>;
  /** false when there is nothing to release: a Lock not held, an RLock this process does not hold. */
  release(): boolean;
  /** Whether this process holds it (Condition's precondition). */
  isMine(): boolean;
  /** The holder's pid (0 when free) and an RLock's depth, for inspect. */
  describe(): { owner: number; count: number };
  handle(): KernelHandle;
}

/** Why a Semaphore refused release(). */
export type ReleaseRefusal = 'bounded' | 'overflow';

export interface SemaphoreKernel {
  tryAcquire(): boolean;
  acquireSync(block: boolean, deadline: Deadline): boolean;
  acquire(block: boolean, deadline: Deadline, signal: AbortSignal | undefined): Promise<boolean>;
  /** null when released, else why not (nothing changed). */
  release(): ReleaseRefusal | null;
  getValue(): number;
  /** The bound of a BoundedSemaphore, -1 for a Semaphore. */
  maxValue(): number;
  handle(): KernelHandle;
}

export interface ConditionKernel {
  /** Releases the lock, waits for notify() or the deadline, re-acquires; false on timeout. The caller holds the lock. */
  waitSync(deadline: Deadline): boolean;
  wait(deadline: Deadline): Promise<boolean>;
  /** Wakes min(n, waiting) waiters; the caller holds the lock. */
  notify(n: number): void;
  /** An upper bound of the waiters, for inspect. */
  waiting(): number;
  handle(): KernelHandle;
}

export interface EventKernel {
  isSet(): boolean;
  set(): void;
  clear(): void;
  waitSync(deadline: Deadline): boolean;
  wait(deadline: Deadline): Promise<boolean>;
  handle(): KernelHandle;
}

/**
 * A Barrier wait's result: the arrival index, 'broken-before' (broken when this
 * party arrived) or 'broken-while-waiting' (reset, abort or a timeout meanwhile).
 */
export type BarrierWaitResult = number | 'broken-before' | 'broken-while-waiting';

export interface BarrierKernel {
  readonly parties: number;
  nWaiting(): number;
  broken(): boolean;
  /** `action` runs in the last party's process before the others are released; its throw breaks the barrier and is rethrown. */
  waitSync(deadline: Deadline, action: (() => void) | undefined): BarrierWaitResult;
  wait(deadline: Deadline, action: (() => void) | undefined): Promise<BarrierWaitResult>;
  reset(): void;
  abort(): void;
  handle(): KernelHandle;
}

export interface SyncKernels {
  lock(kind: LockKind): LockKernel;
  /** max: the bound of a BoundedSemaphore, -1 for none. */
  semaphore(value: number, max: number): SemaphoreKernel;
  condition(lock: LockKernel): ConditionKernel;
  event(): EventKernel;
  barrier(parties: number): BarrierKernel;

  // The same objects in another process, from handle() (fds now this process's).
  attachLock(kind: LockKind, state: unknown, fds: number[]): LockKernel;
  attachSemaphore(state: unknown, fds: number[]): SemaphoreKernel;
  attachCondition(lock: LockKernel, state: unknown, fds: number[]): ConditionKernel;
  attachEvent(state: unknown, fds: number[]): EventKernel;
  attachBarrier(state: unknown, fds: number[]): BarrierKernel;
}
