// Python's AsyncResult (ApplyResult/MapResult): the handle applyAsync and
// mapAsync return. Callbacks run in the pool's process as soon as the result
// arrives, before any get() resolves.
import { CodedError, TimeoutError } from '../errors';
import { toTimeout, within, type Timeout } from '../wait/timeout';

export const kSettle = Symbol('posix-multiprocessing.settleAsyncResult');

export interface ResultCallbacks<R> {
  callback?: ((value: R) => void) | null;
  errorCallback?: ((error: Error) => void) | null;
}

/** Reports an error thrown by a user callback the way an uncaught exception is reported. */
export function rethrowLater(err: unknown): void {
  process.nextTick(() => {
    throw err;
  });
}

export class AsyncResult<R = unknown> {
  #ready = false;
  #ok = false;
  #value: unknown;
  readonly #settled: Promise<void>;
  #markSettled!: () => void;
  readonly #callbacks: ResultCallbacks<R>;

  constructor(callbacks: ResultCallbacks<R> = {}) {
    this.#callbacks = callbacks;
    this.#settled = new Promise<void>((resolve) => {
      this.#markSettled = resolve;
    });
  }

  /** The result; rejects with the task's error, or with TimeoutError after `timeout` ms. */
  async get(timeout?: number | null): Promise<R> {
    const limit = toTimeout(timeout, 'AsyncResult.get()');
    await this.#waitFor(limit);
    if (!this.#ready) throw new TimeoutError(`no result within ${limit} ms`);
    if (!this.#ok) throw this.#value;
    return this.#value as R;
  }

  /** Resolves when the result is ready, or after `timeout` ms (then ready() is still false). */
  async wait(timeout?: number | null): Promise<void> {
    await this.#waitFor(toTimeout(timeout, 'AsyncResult.wait()'));
  }

  async #waitFor(timeout: Timeout): Promise<void> {
    if (!this.#ready) await within(this.#settled, timeout, undefined);
  }

  ready(): boolean {
    return this.#ready;
  }

  /** Whether the task succeeded; ERR_RESULT_NOT_READY before it has finished (Python's ValueError). */
  successful(): boolean {
    if (!this.#ready)
      throw new CodedError(
        'ERR_RESULT_NOT_READY',
        'the result is not ready yet: call successful() after ready() is true or wait() resolves',
      );
    return this.#ok;
  }

  /** Settles once (later calls are ignored) and runs the callback or errorCallback. */
  [kSettle](ok: boolean, value: unknown): void {
    if (this.#ready) return;
    this.#ready = true;
    this.#ok = ok;
    this.#value = value;
    try {
      if (ok) this.#callbacks.callback?.(value as R);
      else this.#callbacks.errorCallback?.(value as Error);
    } catch (err) {
      rethrowLater(err);
    }
    this.#markSettled();
  }
}
