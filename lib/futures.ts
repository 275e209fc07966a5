// Python's concurrent.futures on this library's Pool (posix-multiprocessing/futures).
// Each submit() is one applyAsync task with its own AbortSignal: cancel() of a
// pending future aborts it, which takes it out of the pool's queue; the pool's
// onStart tells the future it is running, after which cancel() refuses and
// the pool lets the signal go (abortRunning false): no worker is ever killed
// for a future, so futures' tasks need not run alone in their workers.
// One difference from Python: a worker that dies fails its own future with
// WorkerLostError and the executor carries on, where Python breaks the whole
// executor (BrokenProcessPool).
import { Pool } from './pool';
import type { Context, StartMethodName } from './context';
import { CancelledError, CodedError, CodedTypeError, TimeoutError } from './errors';
import { Future, kCancelTask, kFailed, kSetRunning, kSettle, settledWithin, watchFutures } from './pool/future';
import { atDeadline, now, remaining, toTimeout, type Deadline } from './wait/timeout';

export { Future } from './pool/future';
export { CancelledError, TimeoutError, WorkerLostError } from './errors';

export const FIRST_COMPLETED = 'FIRST_COMPLETED';
export const FIRST_EXCEPTION = 'FIRST_EXCEPTION';
export const ALL_COMPLETED = 'ALL_COMPLETED';
export type ReturnWhen = typeof FIRST_COMPLETED | typeof FIRST_EXCEPTION | typeof ALL_COMPLETED;

export interface ProcessPoolExecutorOptions {
  /** Worker processes (default: cpuCount()). */
  maxWorkers?: number | null;
  context?: Context | StartMethodName | null;
  initializer?: ((...args: any[]) => unknown) | null;
  initargs?: unknown[];
  /** A worker is replaced after this many tasks. */
  maxTasksPerChild?: number | null;
}

export interface ExecutorMapOptions {
  /** Milliseconds from the call to map() within which the whole iteration must finish, else TimeoutError. */
  timeout?: number | null;
  chunksize?: number | null;
  /** At most this many chunks submitted and not yet consumed (Python 3.14's buffersize). */
  buffersize?: number | null;
}

export interface ShutdownOptions {
  /** Resolve only when every task has finished and the workers have exited (default true). */
  wait?: boolean;
  /** Cancel the futures that have not started (default false). */
  cancelFutures?: boolean;
}

type AnyFunction = (...args: any[]) => unknown;

function positiveOrNull(name: string, value: unknown): number | null {
  if (value == null) return null;
  if (!Number.isInteger(value) || (value as number) < 1) {
    throw new CodedError('ERR_INVALID_ARG_VALUE', `${name} must be an integer >= 1 or null, got ${String(value)}`);
  }
  return value as number;
}

function optionsObject<T extends object>(what: string, options: T | null | undefined): T {
  if (options == null) return {} as T;
  if (typeof options !== 'object')
    throw new CodedTypeError('ERR_INVALID_ARG_TYPE', `${what} options must be an object, got ${typeof options}`);
  return options;
}

export class ProcessPoolExecutor implements AsyncDisposable {
  readonly #pool: Pool;
  #shutdown = false;
  /** Submitted and not yet handed to a worker: what cancelFutures cancels. */
  readonly #pending = new Set<Future<any>>();

  constructor(options?: ProcessPoolExecutorOptions | null) {
    const {
      maxWorkers,
      context = null,
      initializer = null,
      initargs = [],
      maxTasksPerChild,
    } = optionsObject('ProcessPoolExecutor', options);
    this.#pool = new Pool({
      processes: positiveOrNull('maxWorkers', maxWorkers),
      context,
      initializer,
      initargs,
      maxtasksperchild: positiveOrNull('maxTasksPerChild', maxTasksPerChild),
    });
  }

  /** Schedules fn(...args) in a worker. fn must be exported under forkserver/spawn (ERR_NOT_IMPORTABLE otherwise). */
  submit<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): Future<Awaited<R>> {
    this.#checkOpen();
    const future = new Future<Awaited<R>>();
    const controller = new AbortController();
    const leave = (): boolean => this.#pending.delete(future);
    this.#pool.applyAsync(fn as AnyFunction, args, {
      signal: controller.signal,
      abortRunning: false, // cancel() aborts only pending tasks: no worker is ever killed, none runs alone
      onStart: () => {
        leave();
        future[kSetRunning]();
      },
      callback: (value) => {
        leave();
        future[kSettle](true, value);
      },
      // (an aborted task's AbortError arrives here too, for a future already cancelled: ignored)
      errorCallback: (err) => {
        leave();
        future[kSettle](false, err);
      },
    });
    if (!future.done() && !future.running()) {
      this.#pending.add(future);
      future[kCancelTask] = () => {
        leave();
        controller.abort(new CancelledError('future cancelled'));
      };
    }
    return future;
  }

  /**
   * fn over the iterable (or async iterable), results in input order, read
   * lazily. With a timeout the whole iteration must finish within it (counted
   * from this call), else the iteration throws TimeoutError and the tasks not
   * yet started are dropped.
   */
  map<T, R>(
    fn: (item: T) => R,
    iterable: Iterable<T> | AsyncIterable<T>,
    options?: ExecutorMapOptions | null,
  ): AsyncIterableIterator<Awaited<R>> {
    this.#checkOpen();
    const { timeout, chunksize, buffersize } = optionsObject('map', options);
    const ms = toTimeout(timeout, 'ProcessPoolExecutor.map()');
    const results = this.#pool.imap(fn as AnyFunction, iterable, { chunksize, buffersize }) as AsyncIterableIterator<
      Awaited<R>
    >;
    return ms === null ? results : withinDeadline(results, now() + ms, ms);
  }

  /**
   * No more submissions; resolves when the tasks have finished and the workers
   * exited (wait true), else at once. cancelFutures cancels the pending ones.
   * Calling it again is harmless.
   */
  async shutdown(options?: ShutdownOptions | null): Promise<void> {
    const { wait = true, cancelFutures = false } = optionsObject('shutdown', options);
    this.#shutdown = true;
    if (cancelFutures) this.#cancelPending();
    this.#pool.close();
    if (wait) await this.#pool.join();
  }

  /** SIGTERM to every worker now (Python 3.14): pending futures are cancelled, running ones fail with ERR_POOL_TERMINATED. */
  terminateWorkers(): void {
    this.#forceShutdown();
  }

  /** As terminateWorkers(), with SIGKILL. */
  killWorkers(): void {
    // Still our unreaped children: the pool has not seen them exit.
    for (const pid of this.#pool.pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* exited just now */
      }
    }
    this.#forceShutdown();
  }

  /** As Python's `with ProcessPoolExecutor() as executor:` — shutdown({ wait: true }). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }

  #forceShutdown(): void {
    this.#shutdown = true;
    this.#cancelPending();
    this.#pool.terminate();
  }

  #cancelPending(): void {
    for (const future of [...this.#pending]) future.cancel();
  }

  #checkOpen(): void {
    if (this.#shutdown) {
      throw new CodedError(
        'ERR_EXECUTOR_SHUTDOWN',
        'cannot schedule new futures after shutdown: create a new ProcessPoolExecutor',
      );
    }
  }
}

/** The results of `results`, each before `deadline` (lib/wait/timeout's clock), else TimeoutError; leaving early stops the map. */
async function* withinDeadline<R>(
  results: AsyncIterableIterator<R>,
  deadline: number,
  timeout: number,
): AsyncGenerator<R> {
  try {
    for (;;) {
      let cancelTimer = (): void => {};
      const late = new Promise<never>((_, reject) => {
        cancelTimer = atDeadline(deadline, () =>
          reject(new TimeoutError(`map() did not finish within its timeout of ${timeout} ms`)),
        );
      });
      let next: IteratorResult<R>;
      try {
        next = await Promise.race([results.next(), late]);
      } finally {
        cancelTimer();
      }
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await results.return?.();
  }
}

function futureList(futures: Iterable<Future<any>>): Set<Future<any>> {
  const list =
    futures != null && typeof (futures as Iterable<unknown>)[Symbol.iterator] === 'function' ? [...futures] : null;
  if (list === null || !list.every((f) => f instanceof Future)) {
    throw new CodedTypeError(
      'ERR_INVALID_ARG_TYPE',
      'futures must be an iterable of Future objects (from ProcessPoolExecutor.submit)',
    );
  }
  return new Set(list);
}

/**
 * The futures as they finish (or are cancelled), those done already first;
 * each once. Throws TimeoutError when `timeout` ms (from this call) pass
 * before all are done.
 */
export function asCompleted<R>(
  futures: Iterable<Future<R>>,
  timeout?: number | null,
): AsyncIterableIterator<Future<R>> {
  const all = futureList(futures);
  const ms = toTimeout(timeout, 'asCompleted()');
  return yieldAsCompleted(all, ms === null ? null : now() + ms, ms);
}

async function* yieldAsCompleted<R>(
  all: Set<Future<R>>,
  deadline: Deadline,
  timeout: number | null,
): AsyncGenerator<Future<R>> {
  const finished = [...all].filter((f) => f.done());
  const waiting = new Set([...all].filter((f) => !f.done()));
  const stop = watchFutures(waiting, (future) => {
    waiting.delete(future);
    finished.push(future);
  });
  try {
    for (;;) {
      while (finished.length > 0) yield finished.shift()!;
      if (waiting.size === 0) return;
      if (!(await settledWithin(waiting, () => true, remaining(deadline)))) {
        throw new TimeoutError(`${waiting.size} (of ${all.size}) futures unfinished after ${timeout} ms`);
      }
    }
  } finally {
    stop();
  }
}

/**
 * Waits until the condition holds or `timeout` ms pass, then splits the
 * futures into done (finished or cancelled) and notDone. FIRST_EXCEPTION
 * returns when one finishes with an error, or all are done.
 */
export async function wait<R>(
  futures: Iterable<Future<R>>,
  options?: { timeout?: number | null; returnWhen?: ReturnWhen } | null,
): Promise<{ done: Set<Future<R>>; notDone: Set<Future<R>> }> {
  const all = futureList(futures);
  const { timeout, returnWhen = ALL_COMPLETED } = optionsObject('wait', options);
  const ms = toTimeout(timeout, 'wait()');
  if (returnWhen !== FIRST_COMPLETED && returnWhen !== FIRST_EXCEPTION && returnWhen !== ALL_COMPLETED) {
    throw new CodedError(
      'ERR_INVALID_ARG_VALUE',
      `returnWhen must be FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED, got ${String(returnWhen)}`,
    );
  }
  const done = [...all].filter((f) => f.done());
  let left = all.size - done.length;
  const satisfied =
    returnWhen === FIRST_COMPLETED
      ? done.length > 0
      : returnWhen === FIRST_EXCEPTION
        ? done.some((f) => f[kFailed]())
        : false;
  if (!satisfied && left > 0) {
    await settledWithin(
      all,
      (future) => {
        left--;
        return returnWhen === FIRST_COMPLETED || (returnWhen === FIRST_EXCEPTION && future[kFailed]()) || left === 0;
      },
      ms,
    );
  }
  const result = { done: new Set<Future<R>>(), notDone: new Set<Future<R>>() };
  for (const future of all) (future.done() ? result.done : result.notDone).add(future);
  return result;
}
