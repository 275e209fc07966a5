// Python's concurrent.futures.Future: the handle ProcessPoolExecutor.submit
// returns. Its state only moves forward: pending -> running -> finished, or
// pending -> cancelled. Executors drive it through the symbol-keyed methods;
// users read it. Done callbacks and waiters (wait, asCompleted, result) run in
// this process as soon as it is done.
import { rethrowLater } from './async_result';
import { CancelledError, CodedTypeError, TimeoutError } from '../errors';
import { atDeadline, now, toTimeout, type Timeout } from '../wait/timeout';

export const kSetRunning = Symbol('posix-multiprocessing.futureSetRunning');
export const kSettle = Symbol('posix-multiprocessing.futureSettle');
/** Set by the executor: takes the task out of the pool's queue (cancel() of a pending future). */
export const kCancelTask = Symbol('posix-multiprocessing.futureCancelTask');
export const kFailed = Symbol('posix-multiprocessing.futureFailed');
const kWaiters = Symbol('posix-multiprocessing.futureWaiters');

const enum State {
  Pending,
  Running,
  Cancelled,
  Finished,
}

type Waiter = (future: Future<any>) => void;

export class Future<R = unknown> {
  #state = State.Pending;
  #ok = false;
  #value: unknown;
  #callbacks: Array<(future: Future<R>) => void> = [];
  readonly [kWaiters] = new Set<Waiter>();
  [kCancelTask]: (() => void) | null = null;

  /** The task's value; rejects with its error, CancelledError, or TimeoutError when not done within `timeout` ms (the future stays usable). */
  async result(timeout?: number | null): Promise<R> {
    await this.#settled(timeout, 'Future.result()');
    if (!this.#ok) throw this.#value;
    return this.#value as R;
  }

  /** The task's error, or null when it succeeded; rejects as result() does when cancelled or not done in time. */
  async exception(timeout?: number | null): Promise<unknown> {
    await this.#settled(timeout, 'Future.exception()');
    if (this.#state === State.Cancelled) throw this.#value;
    return this.#ok ? null : this.#value;
  }

  /** Cancels a pending future (true); false once it runs or is done. A cancelled future stays cancelled (true again). */
  cancel(): boolean {
    if (this.#state === State.Cancelled) return true;
    if (this.#state !== State.Pending) return false;
    this.#state = State.Cancelled;
    this.#ok = false;
    this.#value = new CancelledError('the future was cancelled before it ran');
    const cancelTask = this[kCancelTask];
    this[kCancelTask] = null;
    cancelTask?.();
    this.#notify();
    return true;
  }

  cancelled(): boolean {
    return this.#state === State.Cancelled;
  }

  /** True from the moment the pool dispatched the task to a worker until it is done; such a task can no longer be cancelled. */
  running(): boolean {
    return this.#state === State.Running;
  }

  /** Finished (with a value or an error) or cancelled. */
  done(): boolean {
    return this.#state === State.Finished || this.#state === State.Cancelled;
  }

  /** Calls fn(future) once it is done, or now if it is; an error fn throws is reported as an uncaught exception. */
  addDoneCallback(fn: (future: Future<R>) => void): void {
    if (typeof fn !== 'function')
      throw new CodedTypeError('ERR_INVALID_ARG_TYPE', `addDoneCallback needs a function, got ${typeof fn}`);
    if (this.done()) runCallback(fn, this);
    else this.#callbacks.push(fn);
  }

  /** The task was handed to a worker: cancel() fails from now on. */
  [kSetRunning](): void {
    if (this.#state === State.Pending) this.#state = State.Running;
  }

  /** Finishes the future once; ignored when it is cancelled or done already. */
  [kSettle](ok: boolean, value: unknown): void {
    if (this.done()) return;
    this.#state = State.Finished;
    this.#ok = ok;
    this.#value = value;
    this.#notify();
  }

  /** Whether it finished with an error (not cancelled): what FIRST_EXCEPTION waits for. */
  [kFailed](): boolean {
    return this.#state === State.Finished && !this.#ok;
  }

  async #settled(timeout: number | null | undefined, call: string): Promise<void> {
    const ms = toTimeout(timeout, call);
    if (!(await settledWithin([this], () => true, ms)))
      throw new TimeoutError(`the future is not done after ${ms} ms; it carries on and can be waited for again`);
  }

  #notify(): void {
    for (const waiter of [...this[kWaiters]]) waiter(this);
    const callbacks = this.#callbacks;
    this.#callbacks = [];
    for (const fn of callbacks) runCallback(fn, this);
  }
}

function runCallback<R>(fn: (future: Future<R>) => void, future: Future<R>): void {
  try {
    fn(future);
  } catch (err) {
    rethrowLater(err);
  }
}

/** Calls `waiter` as each future not yet done finishes; returns what stops it. */
export function watchFutures(futures: Iterable<Future<any>>, waiter: Waiter): () => void {
  const watched = [...futures].filter((f) => !f.done());
  for (const future of watched) future[kWaiters].add(waiter);
  return () => {
    for (const future of watched) future[kWaiters].delete(waiter);
  };
}

/**
 * Resolves true as soon as `enough(future)` is true for a future that
 * finishes (or at once when none is pending), false after `ms` (null: never).
 * The caller checks futures already done before waiting.
 */
export function settledWithin(
  futures: Iterable<Future<any>>,
  enough: (future: Future<any>) => boolean,
  ms: Timeout,
): Promise<boolean> {
  const pending = [...futures].filter((f) => !f.done());
  if (pending.length === 0) return Promise.resolve(true);
  if (ms === 0) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    let cancelTimer = (): void => {};
    const finish = (ok: boolean): void => {
      cancelTimer();
      stop();
      resolve(ok);
    };
    const stop = watchFutures(pending, (future) => {
      if (enough(future)) finish(true);
    });
    if (ms !== null) cancelTimer = atDeadline(now() + ms, () => finish(false));
  });
}
