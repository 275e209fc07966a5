// The portable synchronisation kernels (lib/kernels/sync.ts): each primitive
// is an object in the tree's broker (broker/sync.ts), named by its id, which
// is all that crosses to another process. Waits are broker calls: callSync
// for the ...Sync forms, call for promises; the broker runs the timeouts.
//
// What this process knows for sure stays here: whether it holds an RLock, and
// how deep, so re-entry costs nothing and the holder's last release is one-way
// (send), ordered before any later call of this process. A Lock may be released
// by any process, so its release asks the broker, which alone knows if it is held.
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
import { remaining, type Deadline } from '../../wait/timeout';
import { call, callSync, send } from './runtime';

const OWNER_DIED = 2; // broker/sync.ts's acquire answers: 0 not taken, 1 taken, 2 taken from a dead owner

const RESOLVED_TRUE: Promise<boolean> = Promise.resolve(true);

function idOf(state: unknown): number {
  return (state as { id: number }).id;
}

function handleOf(id: number): KernelHandle {
  return { state: { id }, fds: [] };
}

class BrokerLock implements LockKernel {
  ownerDied = false;
  /** How deep this process holds it: 0 or 1 for a Lock. */
  depth = 0;

  constructor(
    readonly id: number,
    readonly recursive: boolean,
  ) {}

  /** What acquire answered, applied here; made once so the async path needs no closure per call. */
  readonly took = (answer: unknown): boolean => {
    if (answer === 0) return false;
    this.ownerDied = answer === OWNER_DIED;
    this.depth = 1;
    return true;
  };

  tryAcquire(): boolean {
    if (!this.recursive || this.depth === 0) return false;
    this.depth++;
    return true;
  }

  acquireSync(block: boolean, deadline: Deadline): boolean {
    if (this.tryAcquire()) return true;
    return this.took(callSync('sync.acquire', [this.id, block, remaining(deadline)]));
  }

  acquire(block: boolean, deadline: Deadline, signal: AbortSignal | undefined): Promise<boolean> {
    if (this.tryAcquire()) return RESOLVED_TRUE;
    return call('sync.acquire', [this.id, block, remaining(deadline)], { signal }).then(this.took);
  }

  release(): boolean {
    if (!this.recursive) {
      // Any process may release a Lock (as in Python), so `depth` may be stale here:
      // another process may have released it since we took it. Only the broker
      // knows whether it is still held, and a release of a free Lock must throw.
      this.depth = 0;
      return callSync('sync.release', [this.id]) as boolean;
    }
    // Only its holder releases an RLock, so our depth is the truth and the last release can be one-way.
    if (this.depth === 0) return false;
    if (--this.depth === 0) send('sync.releaseMine', [this.id]);
    return true;
  }

  isMine(): boolean {
    return this.depth > 0;
  }

  describe(): { owner: number; count: number } {
    const owner = callSync('sync.owner', [this.id]) as number;
    return { owner, count: owner === 0 ? 0 : this.depth || 1 };
  }

  handle(): KernelHandle {
    return handleOf(this.id);
  }
}

class BrokerSemaphore implements SemaphoreKernel {
  constructor(readonly id: number) {}

  tryAcquire(): boolean {
    return false;
  }

  acquireSync(block: boolean, deadline: Deadline): boolean {
    return callSync('sync.semAcquire', [this.id, block, remaining(deadline)]) as boolean;
  }

  acquire(block: boolean, deadline: Deadline, signal: AbortSignal | undefined): Promise<boolean> {
    return call('sync.semAcquire', [this.id, block, remaining(deadline)], { signal }) as Promise<boolean>;
  }

  release(): ReleaseRefusal | null {
    return callSync('sync.semRelease', [this.id]) as ReleaseRefusal | null;
  }

  getValue(): number {
    return (callSync('sync.semValue', [this.id]) as [number, number])[0];
  }

  maxValue(): number {
    return (callSync('sync.semValue', [this.id]) as [number, number])[1];
  }

  handle(): KernelHandle {
    return handleOf(this.id);
  }
}

class BrokerCondition implements ConditionKernel {
  constructor(
    readonly id: number,
    readonly lock: BrokerLock,
  ) {}

  /** The broker frees the lock for the wait and takes it again before answering. */
  private resumed(depth: number, [notified, ownerDied]: [boolean, boolean]): boolean {
    this.lock.depth = depth;
    this.lock.ownerDied = ownerDied;
    return notified;
  }

  waitSync(deadline: Deadline): boolean {
    const depth = this.lock.depth;
    this.lock.depth = 0;
    try {
      return this.resumed(depth, callSync('sync.condWait', [this.id, remaining(deadline)]) as [boolean, boolean]);
    } catch (err) {
      this.lock.depth = depth;
      throw err;
    }
  }

  async wait(deadline: Deadline): Promise<boolean> {
    const depth = this.lock.depth;
    this.lock.depth = 0;
    try {
      return this.resumed(depth, (await call('sync.condWait', [this.id, remaining(deadline)])) as [boolean, boolean]);
    } catch (err) {
      this.lock.depth = depth;
      throw err;
    }
  }

  notify(n: number): void {
    send('sync.notify', [this.id, n === Infinity ? null : n]);
  }

  waiting(): number {
    return callSync('sync.condWaiting', [this.id]) as number;
  }

  handle(): KernelHandle {
    return handleOf(this.id);
  }
}

class BrokerEvent implements EventKernel {
  constructor(readonly id: number) {}

  isSet(): boolean {
    return callSync('sync.isSet', [this.id]) as boolean;
  }

  set(): void {
    send('sync.set', [this.id]);
  }

  clear(): void {
    send('sync.clear', [this.id]);
  }

  waitSync(deadline: Deadline): boolean {
    return callSync('sync.eventWait', [this.id, remaining(deadline)]) as boolean;
  }

  wait(deadline: Deadline): Promise<boolean> {
    return call('sync.eventWait', [this.id, remaining(deadline)]) as Promise<boolean>;
  }

  handle(): KernelHandle {
    return handleOf(this.id);
  }
}

type BarrierAnswer = BarrierWaitResult | ['action', number];

class BrokerBarrier implements BarrierKernel {
  constructor(readonly id: number) {}

  private state(): [number, number, boolean] {
    return callSync('sync.barrierState', [this.id]) as [number, number, boolean];
  }

  get parties(): number {
    return this.state()[0];
  }

  nWaiting(): number {
    return this.state()[1];
  }

  broken(): boolean {
    return this.state()[2];
  }

  /** The last party runs the action here, in its own process, then tells the broker how it went. */
  private finish(answer: BarrierAnswer, action: (() => void) | undefined): BarrierWaitResult {
    if (!Array.isArray(answer)) return answer;
    try {
      action!();
    } catch (err) {
      callSync('sync.barrierActionDone', [this.id, false]);
      throw err;
    }
    callSync('sync.barrierActionDone', [this.id, true]);
    return answer[1];
  }

  waitSync(deadline: Deadline, action: (() => void) | undefined): BarrierWaitResult {
    const answer = callSync('sync.barrierWait', [this.id, remaining(deadline), action !== undefined]);
    return this.finish(answer as BarrierAnswer, action);
  }

  async wait(deadline: Deadline, action: (() => void) | undefined): Promise<BarrierWaitResult> {
    const answer = await call('sync.barrierWait', [this.id, remaining(deadline), action !== undefined]);
    return this.finish(answer as BarrierAnswer, action);
  }

  reset(): void {
    callSync('sync.barrierReset', [this.id]);
  }

  abort(): void {
    callSync('sync.barrierAbort', [this.id]);
  }

  handle(): KernelHandle {
    return handleOf(this.id);
  }
}

// One BrokerLock per lock per process. What this process knows of a lock it holds (how deep)
// belongs to the process, as under posix, where the count lives in the lock's shared word:
// a twin of the lock rebuilt here (received through a Pipe or a Queue, or passed to a child both
// on its own and inside a Condition) must see the hold, or a re-entrant acquire through it
// would wait on the broker for this process itself, and its release would be refused.
const locksHere = new Map<number, WeakRef<BrokerLock>>();
const forgetLock = new FinalizationRegistry<number>((id) => {
  if (locksHere.get(id)?.deref() === undefined) locksHere.delete(id);
});

function lockHere(id: number, recursive: boolean): BrokerLock {
  const known = locksHere.get(id)?.deref();
  if (known !== undefined) return known;
  const lock = new BrokerLock(id, recursive);
  locksHere.set(id, new WeakRef(lock));
  forgetLock.register(lock, id);
  return lock;
}

export const portableSyncKernels: SyncKernels = {
  lock: (kind: LockKind) => lockHere(callSync('sync.lock', []) as number, kind === 'RLock'),
  semaphore: (value, max) => new BrokerSemaphore(callSync('sync.semaphore', [value, max]) as number),
  condition: (lock) => {
    const brokerLock = lock as BrokerLock; // the portable backend only ever hands its own kernels around
    return new BrokerCondition(callSync('sync.condition', [brokerLock.id]) as number, brokerLock);
  },
  event: () => new BrokerEvent(callSync('sync.event', []) as number),
  barrier: (parties) => new BrokerBarrier(callSync('sync.barrier', [parties]) as number),
  attachLock: (kind, state) => lockHere(idOf(state), kind === 'RLock'),
  attachSemaphore: (state) => new BrokerSemaphore(idOf(state)),
  attachCondition: (lock, state) => new BrokerCondition(idOf(state), lock as BrokerLock),
  attachEvent: (state) => new BrokerEvent(idOf(state)),
  attachBarrier: (state) => new BrokerBarrier(idOf(state)),
};
