// The broker's side of the portable synchronisation kernels
// (../sync.ts): every Lock ... Barrier of the tree is an object here, by id.
// The broker is single-threaded, so each handler is atomic; a waiter is a
// queued promise, settled by the operation that hands it what it waits for
// (FIFO), by its timer, or by its call's signal (a cancel, or its process gone).
//
// Robust locks: when a process goes (clientGone) its locks are handed on and
// the next owner is told the previous one died (acquire answers OWNER_DIED).
//
// Objects live as long as the tree: one that crossed to another process may
// be attached at any later time, and the broker cannot know it will not be.
import { processGone } from '../../../wait/process_liveness';
import { CodedError } from '../../../errors';
import { abortError } from '../../../wait/abort';
import { atDeadline, now } from '../../../wait/timeout';
import { defineService, type CallContext, type ClientInfo } from './services';

/** acquire's answers. */
const NOT_TAKEN = 0;
const TAKEN = 1;
const OWNER_DIED = 2;

/** A queued wait: settled once, by whichever comes first. */
class Waiter<T> {
  settled = false;
  readonly promise: Promise<T>;
  #resolve!: (value: T) => void;
  #stop: Array<() => void> = [];

  constructor(
    readonly client: ClientInfo,
    ctx: CallContext,
    timeoutMs: number | null,
    onTimeout: (waiter: Waiter<T>) => void,
    onAbort: (waiter: Waiter<T>) => void,
  ) {
    let reject!: (err: unknown) => void;
    this.promise = new Promise<T>((resolve, rej) => {
      this.#resolve = resolve;
      reject = rej;
    });
    if (timeoutMs !== null) this.#stop.push(atDeadline(now() + timeoutMs, () => this.settled || onTimeout(this)));
    const abort = (): void => {
      if (this.settled) return;
      onAbort(this);
      this.#finish();
      reject(abortError(ctx.signal));
    };
    ctx.signal.addEventListener('abort', abort, { once: true });
    this.#stop.push(() => ctx.signal.removeEventListener('abort', abort));
  }

  #finish(): void {
    this.settled = true;
    for (const stop of this.#stop) stop();
  }

  resolve(value: T): void {
    if (this.settled) return;
    this.#finish();
    this.#resolve(value);
  }
}

function remove<T>(list: T[], item: T): void {
  const at = list.indexOf(item);
  if (at >= 0) list.splice(at, 1);
}

// ---------------------------------------------------------------------------

class BrokerLock {
  owner: ClientInfo | null = null;
  ownerDied = false;
  readonly waiters: Waiter<number>[] = [];

  /** Makes `client` the owner; what acquire answers. */
  take(client: ClientInfo): number {
    this.owner = client;
    const died = this.ownerDied;
    this.ownerDied = false;
    return died ? OWNER_DIED : TAKEN;
  }

  /** Frees the lock, or hands it to the first waiter. */
  free(): void {
    this.owner = null;
    const next = this.waiters.shift();
    if (next) next.resolve(this.take(next.client));
  }

  acquire(ctx: CallContext, block: boolean, timeoutMs: number | null): number | Promise<number> {
    if (this.owner === null) return this.take(ctx.client);
    if (!block || timeoutMs === 0) {
      // Its connection may not have closed here yet, but an owner already reaped
      // (joined) is gone: as under posix, a poll must find the lock free.
      if (processGone(this.owner.pid)) {
        this.ownerDied = true;
        this.owner = null;
        return this.take(ctx.client);
      }
      return NOT_TAKEN;
    }
    const waiter = new Waiter<number>(
      ctx.client,
      ctx,
      timeoutMs,
      (w) => {
        remove(this.waiters, w);
        w.resolve(NOT_TAKEN);
      },
      (w) => remove(this.waiters, w),
    );
    this.waiters.push(waiter);
    return waiter.promise;
  }
}

class BrokerSemaphore {
  readonly waiters: Waiter<boolean>[] = [];
  constructor(
    public value: number,
    readonly max: number,
  ) {}
}

class BrokerCondition {
  readonly waiters: Array<{ notify(): void }> = [];
  constructor(readonly lock: BrokerLock) {}
}

class BrokerEvent {
  flag = false;
  readonly waiters: Waiter<boolean>[] = [];
}

interface BarrierArrival {
  waiter: Waiter<number | string> | null;
  index: number;
}

class BrokerBarrier {
  generation = 0;
  broken = false;
  arrivals: BarrierArrival[] = [];
  /** The last party is running the action: arrivals wait for it to finish. */
  actionBy: ClientInfo | null = null;
  deferred: Array<() => void> = [];
  constructor(readonly parties: number) {}

  /** Ends the generation: every waiting party gets `result` (its index, or 'broken-while-waiting'). */
  end(broken: boolean): void {
    const arrivals = this.arrivals;
    this.arrivals = [];
    this.generation++;
    if (broken) this.broken = true;
    for (const a of arrivals) a.waiter?.resolve(broken ? 'broken-while-waiting' : a.index);
  }

  finishAction(ok: boolean): void {
    this.actionBy = null;
    this.end(!ok);
    const deferred = this.deferred;
    this.deferred = [];
    for (const run of deferred) run();
  }
}

type SyncObject = BrokerLock | BrokerSemaphore | BrokerCondition | BrokerEvent | BrokerBarrier;

const objects = new Map<number, SyncObject>();
let nextId = 1;

function add(object: SyncObject): number {
  const id = nextId++;
  objects.set(id, object);
  return id;
}

function get<T extends SyncObject>(id: number, type: new (...args: any[]) => T): T {
  const object = objects.get(id);
  if (!(object instanceof type)) {
    throw new CodedError('ERR_UNKNOWN_OBJECT', `the broker has no ${type.name.replace('Broker', '')} with id ${id}`);
  }
  return object;
}

// ---------------------------------------------------------------------------

defineService(
  'sync',
  {
    lock: () => add(new BrokerLock()),
    acquire: (ctx, id: number, block: boolean, timeoutMs: number | null) =>
      get(id, BrokerLock).acquire(ctx, block, timeoutMs),
    /** One-way, from the holder itself: a stale call (the lock changed hands meanwhile) is ignored. */
    releaseMine: (ctx, id: number) => {
      const lock = get(id, BrokerLock);
      if (lock.owner?.id === ctx.client.id) lock.free();
    },
    /** A Lock may be released by any process, as in Python: false when it is not held. */
    release: (_ctx, id: number) => {
      const lock = get(id, BrokerLock);
      if (lock.owner === null) return false;
      lock.free();
      return true;
    },
    owner: (_ctx, id: number) => get(id, BrokerLock).owner?.pid ?? 0,

    semaphore: (_ctx, value: number, max: number) => add(new BrokerSemaphore(value, max)),
    semAcquire: (ctx, id: number, block: boolean, timeoutMs: number | null) => {
      const sem = get(id, BrokerSemaphore);
      if (sem.value > 0) {
        sem.value--;
        return true;
      }
      if (!block || timeoutMs === 0) return false;
      const waiter = new Waiter<boolean>(
        ctx.client,
        ctx,
        timeoutMs,
        (w) => {
          remove(sem.waiters, w);
          w.resolve(false);
        },
        (w) => remove(sem.waiters, w),
      );
      sem.waiters.push(waiter);
      return waiter.promise;
    },
    semRelease: (_ctx, id: number) => {
      const sem = get(id, BrokerSemaphore);
      if (sem.max >= 0 && sem.value >= sem.max) return 'bounded';
      if (sem.value === 0x7fffffff) return 'overflow';
      const next = sem.waiters.shift();
      if (next) next.resolve(true);
      else sem.value++;
      return null;
    },
    semValue: (_ctx, id: number) => {
      const sem = get(id, BrokerSemaphore);
      return [sem.value, sem.max];
    },

    condition: (_ctx, lockId: number) => add(new BrokerCondition(get(lockId, BrokerLock))),
    /**
     * Called holding the lock: frees it, waits for notify() or the timeout,
     * then takes the lock again before answering [notified, ownerDied].
     */
    condWait: (ctx, id: number, timeoutMs: number | null) => {
      const cond = get(id, BrokerCondition);
      const { lock } = cond;
      if (lock.owner?.id !== ctx.client.id) {
        throw new CodedError('ERR_LOCK_NOT_OWNED', 'wait() on a Condition whose lock this process does not hold');
      }
      lock.free();
      return new Promise<[boolean, boolean]>((resolve, reject) => {
        let done = false;
        const reacquire = (notified: boolean): void => {
          if (done) return;
          done = true;
          cancelTimer?.();
          remove(cond.waiters, entry);
          const taken = lock.acquire(ctx, true, null);
          if (typeof taken === 'number') resolve([notified, taken === OWNER_DIED]);
          else taken.then((t) => resolve([notified, t === OWNER_DIED]), reject);
        };
        const entry = { notify: () => reacquire(true) };
        cond.waiters.push(entry);
        const cancelTimer = timeoutMs === null ? null : atDeadline(now() + timeoutMs, () => reacquire(false));
        ctx.signal.addEventListener('abort', () => {
          if (!done) {
            done = true;
            cancelTimer?.();
            remove(cond.waiters, entry);
            reject(abortError(ctx.signal));
          }
        });
      });
    },
    notify: (_ctx, id: number, n: number | null) => {
      const cond = get(id, BrokerCondition);
      const count = n === null ? cond.waiters.length : Math.min(n, cond.waiters.length);
      for (const entry of cond.waiters.slice(0, count)) entry.notify();
    },
    condWaiting: (_ctx, id: number) => get(id, BrokerCondition).waiters.length,

    event: () => add(new BrokerEvent()),
    isSet: (_ctx, id: number) => get(id, BrokerEvent).flag,
    set: (_ctx, id: number) => {
      const event = get(id, BrokerEvent);
      event.flag = true;
      const waiters = event.waiters.splice(0);
      for (const w of waiters) w.resolve(true);
    },
    clear: (_ctx, id: number) => {
      get(id, BrokerEvent).flag = false;
    },
    eventWait: (ctx, id: number, timeoutMs: number | null) => {
      const event = get(id, BrokerEvent);
      if (event.flag) return true;
      if (timeoutMs === 0) return false;
      const waiter = new Waiter<boolean>(
        ctx.client,
        ctx,
        timeoutMs,
        (w) => {
          remove(event.waiters, w);
          w.resolve(false);
        },
        (w) => remove(event.waiters, w),
      );
      event.waiters.push(waiter);
      return waiter.promise;
    },

    barrier: (_ctx, parties: number) => add(new BrokerBarrier(parties)),
    barrierState: (_ctx, id: number) => {
      const b = get(id, BrokerBarrier);
      return [b.parties, b.broken ? 0 : b.arrivals.length, b.broken];
    },
    /**
     * Answers the arrival index, 'broken-before' / 'broken-while-waiting', or
     * ['action', index]: the caller is the last party and runs the action,
     * then calls barrierActionDone.
     */
    barrierWait: (ctx, id: number, timeoutMs: number | null, hasAction: boolean) => {
      const b = get(id, BrokerBarrier);
      const arrive = (): unknown => {
        if (b.broken) return 'broken-before';
        const index = b.arrivals.length;
        if (index + 1 >= b.parties) {
          if (hasAction) {
            b.actionBy = ctx.client;
            return ['action', index];
          }
          b.end(false);
          return index;
        }
        if (timeoutMs === 0) {
          b.end(true);
          return 'broken-while-waiting';
        }
        const arrival: BarrierArrival = { waiter: null, index };
        arrival.waiter = new Waiter<number | string>(
          ctx.client,
          ctx,
          timeoutMs,
          () => b.end(true), // a timeout breaks the barrier, as in Python
          () => {
            remove(b.arrivals, arrival);
            b.end(true);
          },
        );
        b.arrivals.push(arrival);
        return arrival.waiter.promise;
      };
      if (b.actionBy === null) return arrive();
      return new Promise((resolve) => b.deferred.push(() => resolve(arrive())));
    },
    barrierActionDone: (_ctx, id: number, ok: boolean) => get(id, BrokerBarrier).finishAction(ok),
    barrierReset: (_ctx, id: number) => {
      const b = get(id, BrokerBarrier);
      if (b.arrivals.length > 0) b.end(true);
      b.broken = false;
    },
    barrierAbort: (_ctx, id: number) => get(id, BrokerBarrier).end(true),
  },
  {
    clientGone(client) {
      for (const object of objects.values()) {
        if (object instanceof BrokerLock && object.owner?.id === client.id) {
          object.ownerDied = true;
          object.free();
        } else if (object instanceof BrokerBarrier && object.actionBy?.id === client.id) {
          object.finishAction(false);
        }
      }
    },
  },
);
