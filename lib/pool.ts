// Python's multiprocessing.Pool on this library's own parts: workers are
// Processes of the pool's context; each has its own inbox Queue (shared-memory
// ring) and all send results, in batches, to one result Queue. The pool hands
// chunks to the least-loaded worker, keeping only a few queued per worker when
// tasks are slow (so one long task does not hold others back) and many when
// they are fast (so workers never wait for the pool). Because the pool always
// knows which chunks each worker holds, and a worker marks the chunk it runs in
// a shared slot, a worker's death fails exactly that chunk (WorkerLostError)
// and the others go to another worker: nothing waits forever.
//
// Functions: under `fork` workers inherit the pool's function table as it was
// when they were forked; a function the pool has not seen before makes idle
// workers re-fork (a few ms each). Under forkserver/spawn a function is sent as
// an import reference (it must be exported), imported once per worker.
import os from 'node:os';
import { AsyncResult, kSettle, rethrowLater, type ResultCallbacks } from './pool/async_result';
import { ResultIterator } from './pool/result_iterator';
import { InputFeed } from './pool/pool_input';
import { CodedError, CodedTypeError, Full, TimeoutError, WorkerLostError } from './errors';
import { abortError, checkSignal, onAbort } from './wait/abort';
import { atDeadline, now, toTimeout } from './wait/timeout';
import { getContext, type Context, type Process } from './context';
import { cpuCount, kState } from './process';
import { Queue } from './queues';
import { channels } from './reduction';
import { NOT_RUNNING, RunningSlots } from './pool/running_slots';
import { locateExport, type FunctionRef } from './internal/function_ref';
import { registerAfterForkInChild } from './child/after_fork';
import { backend, kernels } from './backend';
import { ChannelEnd, closeFds, fdPassing, sendFds, takeFds } from './pool/pool_fds';
import {
  poolWorkerMain,
  RESULT_RUN,
  type ChunkMessage,
  type ResultEntry,
  type RunMessage,
  type TaskMessage,
  type WorkerConfig,
} from './pool/pool_worker';
import type { StartMethodName } from './context';
import { NOT_READY, nextTurn, SpinPolicy, spinAsync, type Look } from './wait/spin_then_park';
import { MIN_PACKED, packNumbers } from './pool/number_chunks';

export interface PoolOptions {
  processes?: number | null;
  initializer?: ((...args: any[]) => unknown) | null;
  initargs?: unknown[];
  maxtasksperchild?: number | null;
  context?: Context | StartMethodName | null;
  /** Runs a task whose worker died again, up to this many times, before failing it with WorkerLostError (default 0). */
  maxRetries?: number | null;
  /** Bytes of resident memory: a worker past it is replaced after the task that took it there. */
  maxMemoryPerChild?: number | null;
}

/** Per task: abort it, or bound its running time. A running task that is aborted or times out has its worker killed and replaced. */
export interface TaskOptions {
  signal?: AbortSignal | null;
  /** Milliseconds a task (a chunk, for map) may run once started; then it fails with TimeoutError, code ERR_TASK_TIMEOUT. */
  timeout?: number | null;
}

export interface ApplyOptions<R> extends TaskOptions, ResultCallbacks<R> {
  /** Called in this process when the pool hands the task to a worker (it may wait in that worker's inbox a moment). */
  onStart?: (() => void) | null;
  /**
   * false: the signal only removes the task while it waits for a worker, and is
   * let go once the task is handed to one; the task then never needs its worker
   * killed, so it does not run alone (default true).
   */
  abortRunning?: boolean | null;
}

export interface MapOptions extends TaskOptions {
  chunksize?: number | null;
  /** Called in this process after each chunk with (items done, items in all). */
  onProgress?: ((done: number, total: number) => void) | null;
}

export interface ImapOptions extends TaskOptions {
  chunksize?: number | null;
  /** At most this many chunks submitted and not yet consumed; the input is read no further ahead (Python 3.15). */
  buffersize?: number | null;
}

export interface PoolStats {
  processes: number;
  /** Workers running a task. */
  busy: number;
  /** Tasks (chunks, for maps) waiting for a worker. */
  queued: number;
  completed: number;
  failed: number;
}

type AnyFunction = (...args: any[]) => unknown;

/** What bounds a job's tasks, checked once at submission. */
interface TaskLimits {
  signal: AbortSignal | null;
  timeoutMs: number | null;
}

interface Job {
  /** The function its tasks run (an index into the pool's functions). */
  fnId: number;
  /** Its tasks spread each item as the arguments (starmap). */
  star: 0 | 1;
  /** Several chunks (a map/starmap of more than one chunk, or an imap): may queue deeper (#queueCap). */
  partOfMap: boolean;
  /** Chunks not yet finished. */
  chunksLeft: number;
  failed: boolean;
  limits: TaskLimits | null;
  /** Its chunks may be stopped while they run (a timeout, or a signal that stops running tasks): each runs alone in its worker. */
  runsAlone: boolean;
  /** Ends the job at once with `err` (aborted): nothing more is delivered. */
  onCancel(err: Error): void;
  /** Stops listening to the job's signal once it has settled. */
  detach(): void;
  /** imap: chunks after a failed one still deliver (the iterator needs the results before the failure). */
  deliversAfterError?: boolean;
  /** applyAsync's onStart: called once, when its chunk is sent to a worker. */
  onStart?: (() => void) | null;
  /** The chunk's results: `count` values of `values` from `from` (a run's results share one array). */
  onChunk(chunk: Chunk, values: ArrayLike<unknown>, from: number, count: number): void;
  onError(chunk: Chunk, err: Error): void;
}

interface Chunk {
  seq: number;
  job: Job;
  /** Index of the chunk's first item in the job's input. */
  offset: number;
  /**
   * The array holding the chunk's arguments, `itemsCount` of them from
   * `itemsFrom` (a map's chunks share its input and are cut only when sent);
   * plain numbers travel packed (pool/number_chunks.ts).
   */
  items: unknown[] | Float64Array;
  itemsFrom: number;
  itemsCount: number;
  /** Duplicated fds to hand over with the chunk (apply with sockets), else null. */
  fds: number[] | null;
  fdsSent: boolean;
  worker: Worker | null;
  /** Times it was run again after its worker died (maxRetries). */
  retries: number;
  /** Stops the watch that fires when the chunk has run longer than its job's timeout. */
  stopTimer: (() => void) | null;
  /** The chunks of its map still to be made after this one (when this one reaches the dispatcher), else null. */
  rest: MapRest | null;
}

/** A map's chunks not made yet: offsets `next`, `next + chunksize` ... up to `end`. */
interface MapRest {
  next: number;
  end: number;
  chunksize: number;
}

interface Worker {
  index: number;
  process: Process;
  pid: number;
  inbox: Queue<TaskMessage>;
  /** The pool's end of the worker's fd channel (-1 under portable, where no fd crosses). */
  channel: number;
  /** Chunks sent and not yet answered, in the order sent. */
  inflight: Chunk[];
  /** Chunks sent in all (maxtasksperchild). */
  sent: number;
  /** Import references this worker has been sent (forkserver/spawn). */
  knownRefs: Set<number>;
  /** Under fork: how many functions the pool knew when this worker was forked. */
  generation: number;
  /** Told to stop (close, maxtasksperchild, re-fork): no more chunks go to it. */
  leaving: boolean;
  exited: Promise<void>;
  hasExited: boolean;
  /** A result has come back from it (it got past its initializer). */
  answered: boolean;
}

const enum PoolState {
  Run,
  Close,
  Terminate,
}

const RESULT_QUEUE_BYTES = 4 * 1024 * 1024;
const INBOX_BYTES = 1024 * 1024;
// How many chunks may wait in one worker's inbox: enough to cover ~2 ms of work
// (so a worker never idles while the pool reacts), at least 1, at most 256.
const TARGET_QUEUED_MS = 2;
const MAX_QUEUED_CHUNKS = 256;
// One-item chunks queued for one worker in one dispatch go as one inbox message
// of up to this many (a run): with chunksize 1, a message per task cost the pool
// more than the task.
const MAX_RUN = 32;
// A map makes its chunks this many at a time, as the dispatcher reaches them: a
// Chunk per task made up front for a large input cost a fifth of the pool's CPU
// in garbage collection (and with chunksize 1, a gigabyte per 10M items).
const CHUNKS_MADE_AT_ONCE = 1024;
const TERMINATE_GRACE_MS = 2000;
const MAX_START_FAILURES = 3;
const WATCHDOG_MS = 1000;
// After the last outstanding task, the result read stays pending this long
// before it is cancelled: one task after another (sequential apply) then reuses
// it instead of cancelling and registering a wait, and a timer, per task.
const IDLE_LINGER_MS = 5;
// imap without a buffersize reads ahead at most this many chunks not yet consumed.
const DEFAULT_READ_AHEAD_CHUNKS = 1024;

const livePools = new Set<Pool>();
// A forked child (a worker, or any child forked while a pool runs) must not act as its parent's pool.
registerAfterForkInChild(() => {
  for (const pool of livePools) pool[kForgetInChild]();
  livePools.clear();
});
const kForgetInChild = Symbol('posix-multiprocessing.poolForgetInChild');

/** How many chunks `rest` stands for. */
function unmade(rest: MapRest | null): number {
  return rest === null ? 0 : Math.ceil((rest.end - rest.next) / rest.chunksize);
}

/** The chunk's own arguments, cut from the array that holds them (a view for packed numbers). */
function argumentsOf({ items, itemsFrom, itemsCount }: Chunk): unknown[] | Float64Array {
  if (itemsFrom === 0 && itemsCount === items.length) return items;
  const end = itemsFrom + itemsCount;
  return items instanceof Float64Array ? items.subarray(itemsFrom, end) : items.slice(itemsFrom, end);
}

function invalid(message: string): CodedError {
  return new CodedError('ERR_INVALID_ARG_VALUE', message);
}

function signalName(code: number): string | null {
  if (code >= 0) return null;
  const entry = Object.entries(os.constants.signals).find(([, n]) => n === -code);
  return entry ? entry[0] : `signal ${-code}`;
}

function checkChunksize(chunksize: unknown, name = 'chunksize'): number | null {
  if (chunksize == null) return null;
  if (!Number.isInteger(chunksize) || (chunksize as number) < 1)
    throw invalid(`${name} must be an integer >= 1, got ${String(chunksize)}`);
  return chunksize as number;
}

function checkCount(name: string, value: unknown): number | null {
  if (value == null) return null;
  if (!Number.isInteger(value) || (value as number) < 0)
    throw invalid(`${name} must be an integer >= 0, got ${String(value)}`);
  return value as number;
}

/** A task's signal and timeout, checked; null when it has neither. */
function taskLimits(opts: TaskOptions | null | undefined, call: string): TaskLimits | null {
  if (opts == null) return null;
  const signal = checkSignal(opts.signal, call) ?? null;
  const timeoutMs = toTimeout(opts.timeout, call);
  return signal === null && timeoutMs === null ? null : { signal, timeoutMs };
}

function taskTimeoutError(ms: number, pid: number): TimeoutError {
  const err = new TimeoutError(
    `the task ran longer than its timeout of ${ms} ms: its worker (pid ${pid}) was killed and replaced`,
  );
  (err as { code?: string }).code = 'ERR_TASK_TIMEOUT';
  return err;
}

function mapOptions(arg: number | MapOptions | null | undefined): {
  chunksize: number | null;
  onProgress: MapOptions['onProgress'];
  limits: TaskLimits | null;
} {
  if (typeof arg === 'object' && arg !== null) {
    return {
      chunksize: checkChunksize(arg.chunksize),
      onProgress: arg.onProgress ?? null,
      limits: taskLimits(arg, 'Pool map'),
    };
  }
  return { chunksize: checkChunksize(arg), onProgress: null, limits: null };
}

function materialise(iterable: Iterable<unknown>): unknown[] {
  if (iterable == null || typeof (iterable as Iterable<unknown>)[Symbol.iterator] !== 'function') {
    throw new CodedTypeError(
      'ERR_INVALID_ARG_TYPE',
      `the pool needs an iterable of inputs, got ${iterable === null ? 'null' : typeof iterable}`,
    );
  }
  return Array.isArray(iterable) ? iterable : Array.from(iterable);
}

export class Pool {
  readonly #ctx: Context;
  readonly #fork: boolean;
  readonly #processes: number;
  readonly #initializer: AnyFunction | FunctionRef | null;
  readonly #initargs: unknown[];
  readonly #maxtasks: number | null;
  readonly #maxRetries: number;
  readonly #maxMemory: number | null;
  readonly #ownerPid = process.pid;
  readonly #results: Queue<ResultEntry[]>;
  /** A cheap look at #results (null under portable), and whether results come back fast enough to spin for. */
  readonly #lookResults: Look<ResultEntry[]> | null;
  readonly #resultSpins = new SpinPolicy();
  readonly #running: RunningSlots;
  readonly #workers: Array<Worker | null>;
  /** Workers told to stop that may still be running (joined by join()). */
  readonly #leaving = new Set<Worker>();
  #state = PoolState.Run;
  #workerCounter = 0;
  #startFailures = 0;
  #completed = 0;
  #failed = 0;
  /** imap inputs still being read: more chunks may come. */
  readonly #feeds = new Set<InputFeed>();

  // Functions by id: an import reference when the function is exported (the
  // worker imports it, as Python unpickles a function by name); under fork a
  // function that is not (a closure) goes into the table forked workers inherit.
  readonly #fnIds = new Map<Function, number>();
  readonly #refs: Array<FunctionRef | null> = [];
  readonly #registry: Array<Function | undefined> = [];

  // Chunks waiting for a worker: #queue[#head...]
  #queue: Chunk[] = [];
  #head = 0;
  #nextSeq = 0;
  /** Chunks queued or in flight. */
  #outstanding = 0;
  #avgChunkMs = Infinity;
  #queuedPerWorker = 1;

  #pumping = false;
  #pumpAbort: AbortController | null = null;
  #maintenanceScheduled = false;
  #maintaining = false;
  #watchdog: NodeJS.Timeout | null = null;
  /** The result read and the watchdog outlive the last task until this timer fires. */
  #lingering = false;
  #lingerTimer: NodeJS.Timeout | null = null;
  #finished: Promise<void>;
  #markFinished!: () => void;

  constructor(opts?: number | PoolOptions | null) {
    // Python's positional form, Pool(2, initializer, initargs), would otherwise lose all but the first
    // (arguments, not a rest parameter, which would show in the typings).
    if (arguments.length > 1)
      throw new CodedTypeError(
        'ERR_INVALID_ARG_TYPE',
        `new Pool() takes one argument, got ${arguments.length}: pass the options in one object, ` +
          'new Pool({ processes, initializer, initargs, maxtasksperchild, context })',
      );
    const options: PoolOptions = typeof opts === 'number' || opts == null ? { processes: opts ?? null } : opts;
    if (typeof options !== 'object')
      throw new CodedTypeError(
        'ERR_INVALID_ARG_TYPE',
        'new Pool(processes | { processes, initializer, initargs, maxtasksperchild, context })',
      );
    const processes = options.processes ?? cpuCount();
    if (!Number.isInteger(processes) || processes < 1)
      throw invalid(`Number of processes must be at least 1 (an integer), got ${String(options.processes)}`);
    const maxtasks = options.maxtasksperchild ?? null;
    if (maxtasks !== null && (!Number.isInteger(maxtasks) || maxtasks < 1)) {
      throw invalid(`maxtasksperchild must be a positive integer or null, got ${String(maxtasks)}`);
    }
    const { initializer = null, initargs = [] } = options;
    if (initializer !== null && typeof initializer !== 'function')
      throw new CodedTypeError('ERR_INVALID_ARG_TYPE', 'initializer must be a function');
    if (!Array.isArray(initargs)) throw new CodedTypeError('ERR_INVALID_ARG_TYPE', 'initargs must be an array');
    this.#ctx =
      typeof options.context === 'string' || options.context == null
        ? getContext(options.context ?? null)
        : options.context;
    this.#fork = this.#ctx.startMethod === 'fork';
    this.#processes = processes;
    this.#maxtasks = maxtasks;
    this.#maxRetries = checkCount('maxRetries', options.maxRetries) ?? 0;
    this.#maxMemory = checkCount('maxMemoryPerChild', options.maxMemoryPerChild);
    this.#initializer = initializer && !this.#fork ? locateExport(initializer, 'initializer') : initializer;
    this.#initargs = initargs;
    this.#results = new Queue<ResultEntry[]>(0, { bufferSize: RESULT_QUEUE_BYTES, channel: channels.poolResult });
    this.#lookResults = this.#results.looker();
    this.#running = RunningSlots.create(processes);
    this.#workers = new Array(processes).fill(null);
    this.#finished = new Promise<void>((resolve) => {
      this.#markFinished = resolve;
    });
    if (this.#fork) {
      // Here, not from the macrotask that forks: a pool that can never start fails where it is made.
      const impossible = kernels().processes.posix?.forkImpossibleReason() ?? null;
      if (impossible !== null) throw new CodedError('ERR_FORK_UNSAFE', `fork() refused: ${impossible}`);
    }
    livePools.add(this);
    // Under fork the workers start from a macrotask (never inside the caller's
    // promise chain), so they already know the functions submitted right after this.
    if (!this.#fork) for (let i = 0; i < processes; i++) this.#startWorker(i);
    else this.#scheduleMaintenance();
  }

  // ---- submitting work ----

  /** Runs fn(...args) in a worker and resolves with its result; `{ signal, timeout }` stop it. */
  async apply<R>(fn: (...args: any[]) => R | Promise<R>, args: unknown[] = [], opts: TaskOptions = {}): Promise<R> {
    return this.applyAsync(fn, args, opts).get();
  }

  applyAsync<R>(
    fn: (...args: any[]) => R | Promise<R>,
    args: unknown[] = [],
    opts: ApplyOptions<R> = {},
  ): AsyncResult<R> {
    this.#checkRunning();
    if (!Array.isArray(args)) throw new CodedTypeError('ERR_INVALID_ARG_TYPE', 'args must be an array');
    const fnId = this.#functionId(fn);
    const limits = taskLimits(opts, 'Pool.applyAsync()');
    const result = new AsyncResult<R>(opts ?? {});
    const job = this.#newJob(
      fnId,
      1,
      1,
      limits,
      {
        onChunk: (_chunk, values, from) => {
          job.detach();
          result[kSettle](true, values[from]);
        },
        onError: (_chunk, err) => {
          job.detach();
          result[kSettle](false, err);
        },
        onCancel: (err) => result[kSettle](false, err),
        onStart: opts?.onStart ?? null,
      },
      false,
      limits !== null && (limits.timeoutMs !== null || opts?.abortRunning !== false),
    );
    if (job.failed) return result; // its signal was aborted already
    const withFds = takeFds(args);
    this.#enqueue(this.#newChunk(job, [withFds ? withFds.args : args], 0, withFds?.fds ?? null));
    this.#dispatch();
    return result;
  }

  /** fn applied to each item (in order); chunksize or { chunksize, onProgress }. */
  async map<T, R>(
    fn: (item: T) => R | Promise<R>,
    iterable: Iterable<T>,
    chunksize?: number | MapOptions | null,
  ): Promise<R[]> {
    return this.mapAsync(fn, iterable, chunksize).get();
  }

  mapAsync<T, R>(
    fn: (item: T) => R | Promise<R>,
    iterable: Iterable<T>,
    chunksize?: number | MapOptions | null,
    callbacks: ResultCallbacks<R[]> = {},
  ): AsyncResult<R[]> {
    return this.#mapJob(fn, iterable, 0, chunksize, callbacks);
  }

  /** fn(...args) for each args array of the iterable (in order). */
  async starmap<R>(
    fn: (...args: any[]) => R | Promise<R>,
    iterable: Iterable<unknown[]>,
    chunksize?: number | MapOptions | null,
  ): Promise<R[]> {
    return this.starmapAsync(fn, iterable, chunksize).get();
  }

  starmapAsync<R>(
    fn: (...args: any[]) => R | Promise<R>,
    iterable: Iterable<unknown[]>,
    chunksize?: number | MapOptions | null,
    callbacks: ResultCallbacks<R[]> = {},
  ): AsyncResult<R[]> {
    return this.#mapJob(fn, iterable, 1, chunksize, callbacks);
  }

  /**
   * Results in input order, each as soon as it and those before it are done.
   * The input (an iterable or async iterable) is read lazily, no further ahead
   * than `buffersize` chunks not yet consumed. chunksize defaults to 1.
   */
  imap<T, R>(
    fn: (item: T) => R | Promise<R>,
    iterable: Iterable<T> | AsyncIterable<T>,
    chunksize?: number | ImapOptions | null,
  ): AsyncIterableIterator<R> {
    return this.#imapJob(fn, iterable, chunksize, true) as AsyncIterableIterator<R>;
  }

  /** Results in the order they finish; the input is read as imap reads it. chunksize defaults to 1. */
  imapUnordered<T, R>(
    fn: (item: T) => R | Promise<R>,
    iterable: Iterable<T> | AsyncIterable<T>,
    chunksize?: number | ImapOptions | null,
  ): AsyncIterableIterator<R> {
    return this.#imapJob(fn, iterable, chunksize, false) as AsyncIterableIterator<R>;
  }

  /** What the pool is doing now, and has done (tasks: a map's chunks count one each). */
  stats(): PoolStats {
    return {
      processes: this.#processes,
      busy: this.#allWorkers().filter((w) => !w.hasExited && w.inflight.length > 0).length,
      queued: this.#queue.slice(this.#head).reduce((n, chunk) => n + 1 + unmade(chunk.rest), 0),
      completed: this.#completed,
      failed: this.#failed,
    };
  }

  #mapJob(
    fn: AnyFunction,
    iterable: Iterable<unknown>,
    star: 0 | 1,
    chunksizeArg: number | MapOptions | null | undefined,
    callbacks: ResultCallbacks<any>,
  ): AsyncResult<any> {
    this.#checkRunning();
    const { chunksize: given, onProgress, limits } = mapOptions(chunksizeArg);
    const fnId = this.#functionId(fn);
    const items = materialise(iterable);
    const total = items.length;
    const result = new AsyncResult<unknown[]>(callbacks ?? {});
    if (total === 0) {
      result[kSettle](true, []);
      return result;
    }
    // Python's default: about four chunks per worker.
    const chunksize = given ?? Math.ceil(total / (this.#processes * 4));
    const values = new Array(total);
    let done = 0;
    const job = this.#newJob(fnId, star, Math.ceil(total / chunksize), limits, {
      onChunk: (chunk, chunkValues, from, count) => {
        for (let i = 0; i < count; i++) values[chunk.offset + i] = chunkValues[from + i];
        done += count;
        if (onProgress) {
          try {
            onProgress(done, total);
          } catch (err) {
            rethrowLater(err);
          }
        }
        if (job.chunksLeft === 0) {
          job.detach();
          result[kSettle](true, values);
        }
      },
      onError: (_chunk, err) => {
        job.detach();
        result[kSettle](false, err);
      },
      onCancel: (err) => result[kSettle](false, err),
    });
    if (job.failed) return result;
    // Plain numbers are packed once for the whole input; each chunk is a view of it.
    const packed = star === 0 && chunksize >= MIN_PACKED ? packNumbers(items) : null;
    this.#enqueue(this.#newChunk(job, packed ?? items, 0, null, 0, Math.min(chunksize, total)));
    if (chunksize < total) {
      this.#queue[this.#queue.length - 1].rest = { next: chunksize, end: total, chunksize };
      this.#outstanding += unmade(this.#queue[this.#queue.length - 1].rest);
    }
    this.#dispatch();
    return result;
  }

  #imapJob(
    fn: AnyFunction,
    iterable: Iterable<unknown> | AsyncIterable<unknown>,
    arg: number | ImapOptions | null | undefined,
    ordered: boolean,
  ): AsyncIterableIterator<unknown> {
    this.#checkRunning();
    const options: ImapOptions = typeof arg === 'object' && arg !== null ? arg : { chunksize: arg };
    const chunksize = checkChunksize(options.chunksize) ?? 1;
    const buffersize = checkChunksize(options.buffersize, 'buffersize');
    const limits = taskLimits(options, ordered ? 'Pool.imap()' : 'Pool.imapUnordered()');
    const fnId = this.#functionId(fn);
    const readAhead = (buffersize ?? DEFAULT_READ_AHEAD_CHUNKS) * chunksize;
    let taken = 0;
    let feed: InputFeed | null = null;
    const stopReading = (): void => {
      if (feed === null || !this.#feeds.delete(feed)) return;
      feed.close();
      this.#stopIdleWorkersIfDone();
    };
    const iterator = new ResultIterator(ordered, {
      taken: () => {
        taken++;
        feed?.fill();
      },
      closed: () => {
        job.failed = true;
        job.detach();
        stopReading();
        this.#dispatch();
      },
    });
    const job = this.#newJob(
      fnId,
      0,
      0,
      limits,
      {
        onChunk: (chunk, values, from, count) =>
          iterator.add(
            chunk.offset,
            count === values.length ? values : Array.prototype.slice.call(values, from, from + count),
          ),
        onError: (chunk, err) => iterator.fail(chunk.offset, err),
        onCancel: (err) => {
          stopReading();
          iterator.abort(err);
        },
      },
      true,
    );
    if (job.failed) return iterator;
    feed = new InputFeed(iterable, chunksize, {
      room: () => readAhead - (feed!.itemsRead - taken),
      chunk: (offset, items) => {
        if (this.#state === PoolState.Terminate) {
          iterator.fail(
            offset,
            new CodedError('ERR_POOL_TERMINATED', 'the pool was terminated before this task was submitted'),
          );
          return false;
        }
        if (job.failed) return false;
        job.chunksLeft++;
        this.#enqueue(this.#newChunk(job, packNumbers(items) ?? items, offset));
        return true;
      },
      flush: () => this.#dispatch(),
      end: (count) => {
        iterator.expect(count);
        stopReading();
      },
      fail: (offset, err) => {
        iterator.fail(offset, err);
        stopReading();
      }, // the input's error comes out of the iteration, as in Python
    });
    // A pool closed while this input is still being read keeps its workers for it.
    if (feed.open) this.#feeds.add(feed);
    feed.fill();
    return iterator;
  }

  /**
   * A job with its signal watched: aborting it removes its queued chunks and
   * kills the workers running the others. Already aborted: the job is failed.
   */
  #newJob(
    fnId: number,
    star: 0 | 1,
    chunks: number,
    limits: TaskLimits | null,
    handlers: Pick<Job, 'onChunk' | 'onError' | 'onCancel' | 'onStart'>,
    deliversAfterError = false,
    runsAlone = limits !== null,
  ): Job {
    const job: Job = {
      fnId,
      star,
      partOfMap: chunks > 1 || deliversAfterError,
      chunksLeft: chunks,
      failed: false,
      limits,
      runsAlone,
      deliversAfterError,
      detach: () => {},
      ...handlers,
    };
    const signal = limits?.signal;
    if (signal) {
      if (signal.aborted) {
        job.failed = true;
        job.onCancel(abortError(signal));
        return job;
      }
      job.detach = onAbort(signal, (err) => this.#cancelJob(job, err));
    }
    return job;
  }

  /** Ends a job now: queued chunks are dropped, running ones stopped with their workers. */
  #cancelJob(job: Job, err: Error): void {
    if (this.#state === PoolState.Terminate) return;
    job.detach();
    this.#drainResults(); // a chunk that has finished counts as done
    const kept: Chunk[] = [];
    for (let i = this.#head; i < this.#queue.length; i++) {
      const chunk = this.#queue[i];
      if (chunk.job !== job) {
        kept.push(chunk);
        continue;
      }
      if (chunk.fds) closeFds(chunk.fds);
      this.#dropRest(chunk);
      this.#finishChunk(chunk);
    }
    this.#queue = kept;
    this.#head = 0;
    for (const worker of this.#allWorkers())
      for (const chunk of [...worker.inflight]) if (chunk.job === job) this.#stopRunningChunk(chunk);
    job.failed = true;
    this.#failed++;
    job.onCancel(err);
    this.#dispatch();
  }

  /** The chunk's running time is up: its worker is killed and the job fails with ERR_TASK_TIMEOUT. */
  #timeOut(chunk: Chunk): void {
    chunk.stopTimer = null;
    if (chunk.worker === null) return;
    this.#drainResults();
    if (chunk.worker === null) return; // it finished just now
    const { pid } = chunk.worker!;
    this.#stopRunningChunk(chunk);
    chunk.job.detach();
    this.#failJob(chunk, taskTimeoutError(chunk.job.limits!.timeoutMs!, pid));
    this.#dispatch();
  }

  /** Takes an in-flight chunk back and kills its worker (such chunks run alone), which is then replaced. */
  #stopRunningChunk(chunk: Chunk): void {
    const worker = chunk.worker!;
    const at = worker.inflight.indexOf(chunk);
    if (at >= 0) worker.inflight.splice(at, 1);
    chunk.worker = null;
    this.#finishChunk(chunk);
    // It keeps its slot until it has exited (it may still write its running slot); then a new one starts.
    worker.leaving = true;
    this.#signal(worker, 'SIGKILL');
  }

  // ---- lifecycle ----

  /** No more tasks; workers exit once the submitted ones are done. */
  close(): void {
    if (this.#state !== PoolState.Run) return;
    this.#state = PoolState.Close;
    this.#stopIdleWorkersIfDone();
  }

  /** Stops the workers now (SIGTERM); unfinished tasks fail with ERR_POOL_TERMINATED. */
  terminate(): void {
    if (this.#state === PoolState.Terminate) return;
    this.#state = PoolState.Terminate;
    this.#pumpAbort?.abort();
    for (const feed of this.#feeds) feed.close();
    this.#feeds.clear();
    const err = new CodedError('ERR_POOL_TERMINATED', 'the pool was terminated before this task finished');
    const chunks = [...this.#allWorkers().flatMap((worker) => worker.inflight), ...this.#queue.slice(this.#head)];
    this.#queue = [];
    this.#head = 0;
    this.#outstanding = 0;
    this.#stopWatchdog();
    for (const worker of this.#allWorkers()) worker.inflight = [];
    for (const chunk of chunks) {
      chunk.worker = null;
      chunk.rest = null; // a failed map's unmade chunks are never made
    }
    for (const chunk of chunks) {
      chunk.stopTimer?.();
      if (chunk.fds) closeFds(chunk.fds);
      this.#failJob(chunk, err);
    }
    for (const worker of this.#allWorkers()) this.#signal(worker, 'SIGTERM');
    const escalate = setTimeout(() => {
      for (const worker of this.#allWorkers()) this.#signal(worker, 'SIGKILL');
    }, TERMINATE_GRACE_MS);
    escalate.unref();
    void this.#finished.then(() => clearTimeout(escalate));
    this.#checkFinished();
  }

  /** Waits for the workers to exit; only after close() or terminate(). Every callback has run when it resolves. */
  async join(): Promise<void> {
    if (this.#state === PoolState.Run)
      throw new CodedError('ERR_POOL_RUNNING', 'Pool is still running: call close() or terminate() before join()');
    this.#checkFinished();
    // A pending join keeps the process alive until the workers are gone.
    const keepAlive = setInterval(() => {}, 1 << 30);
    try {
      await this.#finished;
    } finally {
      clearInterval(keepAlive);
    }
  }

  /** As Python's `with Pool() as p:` — terminates the pool. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.terminate();
    await this.join();
  }

  /** The worker processes' pids (Python's pool._pool), for monitoring. */
  get pids(): number[] {
    return this.#allWorkers()
      .filter((w) => !w.hasExited)
      .map((w) => w.pid);
  }

  get processes(): number {
    return this.#processes;
  }

  [kForgetInChild](): void {
    // This process is a forked copy: the workers are not its children, the queues are not its to read.
    this.#state = PoolState.Terminate;
    this.#pumpAbort?.abort();
    this.#stopWatchdog();
  }

  // ---- internals: functions ----

  #checkRunning(): void {
    if (this.#state !== PoolState.Run)
      throw new CodedError('ERR_POOL_NOT_RUNNING', 'Pool not running: it was closed or terminated');
    if (process.pid !== this.#ownerPid)
      throw new CodedError('ERR_POOL_NOT_OURS', 'this pool belongs to the process that created it');
  }

  #functionId(fn: AnyFunction): number {
    if (typeof fn !== 'function')
      throw new CodedTypeError('ERR_INVALID_ARG_TYPE', `the pool needs a function to run, got ${typeof fn}`);
    let id = this.#fnIds.get(fn);
    if (id === undefined) {
      id = this.#refs.length;
      if (!this.#fork) {
        this.#refs.push(locateExport(fn, 'function')); // ERR_NOT_IMPORTABLE, as Process
      } else {
        let ref: FunctionRef | null = null;
        try {
          ref = locateExport(fn, 'function');
        } catch {
          // a closure: only workers forked from now on have it
        }
        this.#refs.push(ref && !ref.guessed ? ref : null);
        this.#registry[id] = ref && !ref.guessed ? undefined : fn;
      }
      this.#fnIds.set(fn, id);
    }
    return id;
  }

  // ---- internals: workers ----

  /**
   * The chunk numbered `seq` if a worker has it: a worker answers its chunks in
   * the order it was sent them, so it is at the head of its worker's list but
   * after a worker's death or a stopped chunk.
   */
  #inflightChunk(seq: number): Chunk | undefined {
    for (const worker of this.#workers)
      if (worker !== null && worker.inflight[0]?.seq === seq) return worker.inflight[0];
    for (const worker of this.#allWorkers()) {
      const chunk = worker.inflight.find((c) => c.seq === seq);
      if (chunk) return chunk;
    }
    return undefined;
  }

  #allWorkers(): Worker[] {
    return [...this.#workers.filter((w): w is Worker => w !== null), ...this.#leaving];
  }

  #startWorker(index: number): void {
    const inbox = new Queue<TaskMessage>(0, { bufferSize: INBOX_BYTES, channel: channels.poolTask });
    // Each worker's fd channel (posix only: the portable backend passes no fds).
    const passing = backend() === 'posix' ? fdPassing() : null;
    const [ours, theirs] = passing ? passing.socketpair() : [-1, -1];
    const config: WorkerConfig = {
      index,
      inbox,
      results: this.#results,
      running: this.#running,
      channel: passing ? new ChannelEnd(theirs) : null,
      initializer: this.#initializer,
      initargs: this.#initargs,
      maxtasks: this.#maxtasks,
      registry: this.#fork ? this.#registry : null,
      reportMemory: this.#maxMemory !== null,
    };
    const prefix = { fork: 'Fork', forkserver: 'ForkServer', spawn: 'Spawn' }[this.#ctx.startMethod];
    const proc = new this.#ctx.Process({
      target: poolWorkerMain,
      args: [config],
      daemon: true,
      name: `${prefix}PoolWorker-${++this.#workerCounter}`,
    });
    // A forked child must not find a result read of ours pending (it would take our results).
    this.#pumpAbort?.abort();
    try {
      proc.start();
    } catch (err) {
      passing?.close(ours);
      throw err;
    } finally {
      passing?.close(theirs);
    }
    const worker: Worker = {
      index,
      process: proc,
      pid: proc.pid!,
      inbox,
      channel: ours,
      inflight: [],
      sent: 0,
      knownRefs: new Set(),
      generation: this.#registry.length,
      leaving: false,
      exited: Promise.resolve(),
      hasExited: false,
      answered: false,
    };
    const popen = proc[kState].popen!;
    worker.exited = popen.wait(null).then(
      (code) => this.#onWorkerExit(worker, code ?? 0),
      () => this.#onWorkerExit(worker, -9),
    );
    popen.keepAlive(false); // an idle pool does not keep the process alive (daemon workers)
    this.#workers[index] = worker;
    if (this.#pumpAbort) this.#ensurePump();
  }

  #signal(worker: Worker, signal: 'SIGTERM' | 'SIGKILL'): void {
    if (worker.hasExited) return;
    try {
      worker.process[signal === 'SIGTERM' ? 'terminate' : 'kill']();
    } catch {
      /* already gone */
    }
  }

  /** Tells a worker to finish what it has and exit; its slot is free for a new one. */
  #retire(worker: Worker): void {
    worker.leaving = true;
    this.#leaving.add(worker);
    if (this.#workers[worker.index] === worker) this.#workers[worker.index] = null;
    try {
      worker.inbox.putSync([-1]);
    } catch {
      /* it is gone already */
    }
  }

  #onWorkerExit(worker: Worker, code: number): void {
    worker.hasExited = true;
    if (process.pid !== this.#ownerPid) return;
    try {
      if (worker.channel >= 0) fdPassing().close(worker.channel);
    } catch {
      /* closed */
    }
    try {
      worker.process.close();
    } catch {
      /* not reaped yet */
    }
    const lostWork = this.#state !== PoolState.Terminate && worker.inflight.length > 0;
    // Results it sent before dying are in the result queue: take them first (while it is still
    // one of the pool's workers, where their chunks are found).
    if (lostWork) this.#drainResults();
    this.#leaving.delete(worker);
    if (this.#workers[worker.index] === worker) this.#workers[worker.index] = null;
    if (lostWork && worker.inflight.length > 0) {
      const lost = worker.inflight;
      worker.inflight = [];
      const runningSeq = this.#running.running(worker.index);
      const requeue: Chunk[] = [];
      for (const chunk of lost) {
        chunk.worker = null;
        if (chunk.fdsSent || (chunk.seq === runningSeq && chunk.retries >= this.#maxRetries)) {
          // (a chunk whose fds went to this worker cannot run elsewhere)
          this.#finishChunk(chunk);
          this.#failJob(chunk, new WorkerLostError(worker.pid, signalName(code), code >= 0 ? code : null));
        } else {
          if (chunk.seq === runningSeq) chunk.retries++;
          chunk.stopTimer?.();
          chunk.stopTimer = null;
          requeue.push(chunk); // it never started (or finished unreported): run it elsewhere
        }
      }
      this.#queue.splice(this.#head, 0, ...requeue);
    }
    if (this.#running.running(worker.index) !== NOT_RUNNING && this.#workers[worker.index] === null)
      this.#running.clear(worker.index);
    this.#failIfWorkersCannotStart(worker, code);
    this.#scheduleMaintenance();
    this.#checkFinished();
  }

  /**
   * Workers that keep dying before they answer anything (an initializer that
   * throws, a main module that exits) would be replaced forever while the tasks
   * wait: after a few in a row, fail what is waiting.
   */
  #failIfWorkersCannotStart(worker: Worker, code: number): void {
    if (worker.answered || code === 0 || worker.leaving || this.#state === PoolState.Terminate) {
      this.#startFailures = 0;
      return;
    }
    if (++this.#startFailures < MAX_START_FAILURES) return;
    this.#startFailures = 0;
    const err = new CodedError(
      'ERR_POOL_WORKER_START',
      `${MAX_START_FAILURES} pool workers in a row exited (last: pid ${worker.pid}, ${signalName(code) ?? `exit code ${code}`}) ` +
        'before running a task; does the initializer throw? Their stderr says why.',
    );
    this.#failQueued(err);
  }

  /** Fails every chunk no worker has taken: no worker can be started to run them. */
  #failQueued(err: Error): void {
    const chunks = this.#queue.slice(this.#head);
    this.#queue = [];
    this.#head = 0;
    for (const chunk of chunks) {
      if (chunk.fds) closeFds(chunk.fds);
      this.#dropRest(chunk);
      this.#finishChunk(chunk);
      this.#failJob(chunk, err);
    }
  }

  #scheduleMaintenance(): void {
    if (this.#maintenanceScheduled || this.#state === PoolState.Terminate) return;
    this.#maintenanceScheduled = true;
    setImmediate(() => {
      this.#maintenanceScheduled = false;
      this.#maintain();
    });
  }

  /** Starts missing workers and, under fork, re-forks idle workers that lack the next task's function. */
  #maintain(): void {
    if (this.#state === PoolState.Terminate || process.pid !== this.#ownerPid) return;
    if (this.#maintaining) {
      // The fork start method turns the event loop while it waits for the thread
      // pool (lib/popen/fork.ts), which can run this again: once at a time.
      this.#scheduleMaintenance();
      return;
    }
    this.#maintaining = true;
    try {
      this.#maintainNow();
    } finally {
      this.#maintaining = false;
    }
  }

  #maintainNow(): void {
    const hasWork = this.#head < this.#queue.length;
    if (this.#fork && hasWork) {
      const next = this.#queue[this.#head];
      for (const worker of this.#workers) {
        if (worker && !worker.leaving && worker.inflight.length === 0 && !this.#knows(worker, next))
          this.#retire(worker);
      }
    }
    if (this.#state === PoolState.Run || this.#outstanding > 0) {
      for (let i = 0; i < this.#processes; i++) {
        if (this.#workers[i] !== null) continue;
        this.#running.clear(i);
        try {
          this.#startWorker(i);
        } catch (err) {
          // From a macrotask nobody awaits: the queued tasks carry the error; the next submit tries again.
          this.#failQueued(err as Error);
          return;
        }
      }
    }
    this.#dispatch();
  }

  // ---- internals: chunks ----

  /** Queues a chunk made by #newChunk at the tail. */
  #enqueue(chunk: Chunk): void {
    if (this.#outstanding === 0) this.#startWatchdog();
    this.#queue.push(chunk);
    this.#outstanding++;
  }

  /** The chunk of `job` whose arguments are `itemsCount` of `items` from `itemsFrom` (all of them by default). */
  #newChunk(
    job: Job,
    items: unknown[] | Float64Array,
    offset: number,
    fds: number[] | null = null,
    itemsFrom = 0,
    itemsCount = items.length,
  ): Chunk {
    return {
      seq: this.#nextSeq++,
      job,
      offset,
      items,
      itemsFrom,
      itemsCount,
      fds,
      fdsSent: false,
      worker: null,
      retries: 0,
      stopTimer: null,
      rest: null,
    };
  }

  /** Makes the next chunks of the map whose last made chunk is queue[index], and queues them after it. */
  #makeRest(index: number): void {
    const chunk = this.#queue[index];
    const { next, end, chunksize } = chunk.rest!;
    chunk.rest = null;
    const made: Chunk[] = [];
    let offset = next;
    for (; offset < end && made.length < CHUNKS_MADE_AT_ONCE; offset += chunksize) {
      const count = Math.min(chunksize, end - offset);
      made.push(this.#newChunk(chunk.job, chunk.items, offset, null, offset, count));
    }
    if (offset < end) made[made.length - 1].rest = { next: offset, end, chunksize };
    this.#queue.splice(index + 1, 0, ...made);
  }

  /** Counts the chunks of its map never made after `chunk` as done (the map failed, or the pool ends). */
  #dropRest(chunk: Chunk): void {
    const count = unmade(chunk.rest);
    if (count === 0) return;
    chunk.rest = null;
    chunk.job.chunksLeft -= count;
    this.#outstanding -= count;
    if (this.#outstanding === 0) this.#linger();
  }

  #pickWorker(chunk: Chunk): Worker | null {
    let best: Worker | null = null;
    for (const worker of this.#workers) {
      if (worker === null || worker.leaving || worker.hasExited) continue;
      if (!this.#knows(worker, chunk)) continue;
      // A chunk that may be stopped runs alone, so that killing its worker stops nothing else.
      if (worker.inflight.length > 0 && (chunk.job.runsAlone || worker.inflight[0].job.runsAlone)) continue;
      if (worker.inflight.length >= this.#queueCap(chunk)) continue;
      if (best === null || worker.inflight.length < best.inflight.length) best = worker;
    }
    return best;
  }

  /** How many chunks may wait for one worker (running one included) before `chunk` goes elsewhere. */
  #queueCap(chunk: Chunk): number {
    // A map's chunks may queue two deep even when slow: the next one is ready
    // when a worker finishes; single tasks (apply) wait for an idle worker.
    // A task its signal may still remove waits in the pool's queue, where it
    // can be removed, rather than deep in an inbox: at most one behind the
    // running task (as Python's executor queues one call beyond its workers).
    if (chunk.job.partOfMap) return Math.max(2, this.#queuedPerWorker);
    return chunk.job.limits?.signal ? Math.min(2, this.#queuedPerWorker) : this.#queuedPerWorker;
  }

  /**
   * How many chunks from the head of the queue may go to `worker` as one run:
   * one-item chunks of one function with consecutive seqs, with no fds and no
   * limits, within the worker's queue cap and its maxtasksperchild.
   */
  #runLength(worker: Worker): number {
    const first = this.#queue[this.#head];
    const room = this.#maxtasks === null ? MAX_RUN : Math.min(MAX_RUN, this.#maxtasks - worker.sent);
    let length = 0;
    while (length < room && this.#head + length < this.#queue.length) {
      const chunk = this.#queue[this.#head + length];
      if (chunk.rest) this.#makeRest(this.#head + length);
      if (chunk.seq !== first.seq + length || chunk.job.fnId !== first.job.fnId || chunk.job.star !== first.job.star)
        break;
      if (chunk.itemsCount !== 1 || chunk.fds || chunk.job.limits !== null || chunk.job.failed) break;
      if (!this.#knows(worker, chunk) || worker.inflight.length + length >= this.#queueCap(chunk)) break;
      length++;
    }
    return length;
  }

  #dispatch(): void {
    if (this.#state === PoolState.Terminate || process.pid !== this.#ownerPid) return;
    let blocked = false;
    while (this.#head < this.#queue.length) {
      const chunk = this.#queue[this.#head];
      if (chunk.job.failed) {
        // Python runs them anyway; nobody can see their results, so skip them.
        this.#head++;
        this.#dropRest(chunk);
        this.#finishChunk(chunk);
        if (chunk.fds) closeFds(chunk.fds);
        continue;
      }
      if (chunk.rest) this.#makeRest(this.#head);
      const worker = this.#pickWorker(chunk);
      if (worker === null) {
        blocked = true;
        break;
      }
      const run = this.#runLength(worker);
      if (run > 1 && this.#sendRun(worker, run)) continue;
      this.#head++;
      if (!this.#send(worker, chunk)) {
        this.#head--; // its inbox is full: try again when results come back
        blocked = true;
        break;
      }
    }
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    if (blocked && this.#needsWorkers()) this.#scheduleMaintenance();
    if (this.#outstanding > 0) this.#ensurePump();
    this.#stopIdleWorkersIfDone();
    this.#checkFinished();
  }

  #needsWorkers(): boolean {
    const next = this.#queue[this.#head];
    return this.#workers.some(
      (w) => w === null || (next !== undefined && !this.#knows(w, next) && w.inflight.length === 0),
    );
  }

  /** Whether the worker can run the chunk's function (under fork, a closure must predate the worker). */
  #knows(worker: Worker, chunk: Chunk): boolean {
    return this.#refs[chunk.job.fnId] !== null || chunk.job.fnId < worker.generation;
  }

  /**
   * Takes the `length` chunks at the head of the queue into the worker's inbox
   * as one run; false if it cannot go whole (no room now, or a value that cannot
   * be sent), and then the chunks go one by one as usual.
   */
  #sendRun(worker: Worker, length: number): boolean {
    const chunks = this.#queue.slice(this.#head, this.#head + length);
    const [first] = chunks;
    const values = chunks.map((chunk) => chunk.items[chunk.itemsFrom]);
    const { fnId, star } = first.job;
    const ref = worker.knownRefs.has(fnId) ? null : this.#refs[fnId];
    const run: RunMessage = [-2, first.seq, fnId, ref, star, packNumbers(values) ?? values];
    try {
      worker.inbox.putSync(run, { block: false });
    } catch {
      return false;
    }
    if (ref) worker.knownRefs.add(fnId);
    this.#head += length; // before any onStart callback runs
    for (const chunk of chunks) this.#noteSent(worker, chunk);
    return true;
  }

  /** Queues the chunk in the worker's inbox; false when the inbox has no room for it now. */
  #send(worker: Worker, chunk: Chunk): boolean {
    const { fnId, star } = chunk.job;
    const ref = worker.knownRefs.has(fnId) ? null : this.#refs[fnId];
    const message: ChunkMessage = [chunk.seq, fnId, ref, star, argumentsOf(chunk), chunk.fds ? chunk.fds.length : 0];
    try {
      // Encode first: unclonable args must fail before any fd is handed over.
      worker.inbox.putSync(message, { block: false });
      if (chunk.fds) chunk.fdsSent = true;
    } catch (err) {
      if (err instanceof Full && worker.inflight.length > 0) return false;
      // Unclonable args (ERR_UNCLONABLE) fail this task only.
      if (chunk.fds) closeFds(chunk.fds);
      this.#finishChunk(chunk);
      this.#failJob(chunk, err as Error);
      return true;
    }
    if (chunk.fds) {
      // After the task is queued: the worker reads the fds when it reaches the task (they wait in the socket).
      try {
        sendFds(worker.channel, chunk.seq, chunk.fds);
      } finally {
        chunk.fds = null;
      }
    }
    if (ref) worker.knownRefs.add(fnId);
    this.#noteSent(worker, chunk);
    return true;
  }

  /** Books a chunk that is now in the worker's inbox. */
  #noteSent(worker: Worker, chunk: Chunk): void {
    chunk.worker = worker;
    worker.inflight.push(chunk);
    worker.sent++;
    if (chunk.job.limits !== null && !chunk.job.runsAlone) chunk.job.detach(); // (abortRunning false) its signal is done with
    const { onStart } = chunk.job;
    if (onStart) {
      chunk.job.onStart = null; // once: a chunk run again after its worker died has started already
      try {
        onStart();
      } catch (err) {
        rethrowLater(err);
      }
    }
    const timeoutMs = chunk.job.limits?.timeoutMs;
    if (timeoutMs != null) {
      // Counted from here: the worker was idle, so the chunk starts now.
      chunk.stopTimer = atDeadline(now() + timeoutMs, () => this.#timeOut(chunk), false);
    }
    if (this.#maxtasks !== null && worker.sent >= this.#maxtasks) {
      // It exits by itself after this chunk; the pool starts its successor then.
      worker.leaving = true;
      this.#leaving.add(worker);
      this.#workers[worker.index] = null;
      this.#scheduleMaintenance();
    }
  }

  #finishChunk(chunk: Chunk): void {
    chunk.stopTimer?.();
    chunk.stopTimer = null;
    chunk.job.chunksLeft--;
    this.#outstanding--;
    // Nothing left to wait for (the last results may have been taken by a drain
    // after a worker exit): a pending result read would keep the process alive.
    if (this.#outstanding === 0) this.#linger();
  }

  /** Keeps the result read (and the watchdog) for IDLE_LINGER_MS, then lets them go if still idle. */
  #linger(): void {
    this.#lingering = true;
    if (this.#lingerTimer !== null) {
      this.#lingerTimer.refresh();
      return;
    }
    this.#lingerTimer = setTimeout(() => {
      this.#lingering = false;
      if (this.#outstanding > 0) return;
      this.#pumpAbort?.abort();
      this.#stopWatchdog();
    }, IDLE_LINGER_MS);
  }

  /**
   * While tasks are outstanding a slow timer keeps the process alive and makes
   * sure results are being read (a safety net: wake-ups are not relied on alone).
   */
  #startWatchdog(): void {
    if (this.#watchdog !== null) return;
    this.#watchdog = setInterval(() => {
      if (this.#outstanding === 0 || this.#state === PoolState.Terminate || process.pid !== this.#ownerPid) {
        this.#stopWatchdog();
        return;
      }
      this.#drainResults();
      this.#dispatch();
    }, WATCHDOG_MS);
  }

  #stopWatchdog(): void {
    if (this.#watchdog !== null) clearInterval(this.#watchdog);
    this.#watchdog = null;
  }

  #failJob(chunk: Chunk, err: Error): void {
    const { job } = chunk;
    this.#failed++;
    if (job.deliversAfterError) {
      job.onError(chunk, err);
      return;
    }
    if (job.failed) return;
    job.failed = true;
    job.onError(chunk, err);
  }

  // ---- internals: results ----

  #ensurePump(): void {
    if (this.#pumping || this.#state === PoolState.Terminate) return;
    this.#pumping = true;
    void this.#pump();
  }

  async #pump(): Promise<void> {
    try {
      while (this.#wantsResults()) {
        let batch = await this.#spinForResults();
        if (batch === NOT_READY) {
          if (!this.#wantsResults()) break; // the linger ended while this turn waited
          // One controller for every park until it is used: a new one per park cost 2% of a chunksize-1 map.
          if (this.#pumpAbort === null || this.#pumpAbort.signal.aborted) this.#pumpAbort = new AbortController();
          try {
            batch = await this.#results.get({ signal: this.#pumpAbort.signal });
          } catch (err) {
            if (process.pid !== this.#ownerPid) return;
            if ((err as Error).name === 'AbortError') continue; // a worker was being forked, or terminate()
            throw err;
          }
        }
        if (process.pid !== this.#ownerPid) return;
        this.#handleBatch(batch);
        this.#drainResults();
        this.#dispatch();
      }
    } catch (err) {
      rethrowLater(err);
    } finally {
      this.#pumping = false;
    }
  }

  #wantsResults(): boolean {
    return (this.#outstanding > 0 || this.#lingering) && this.#state !== PoolState.Terminate;
  }

  /**
   * Results taken without parking, while they have been coming back within the
   * spin window (lib/wait/spin_then_park.ts); NOT_READY when the pump should park.
   */
  async #spinForResults(): Promise<ResultEntry[] | typeof NOT_READY> {
    const look = this.#lookResults;
    if (look === null) return NOT_READY;
    // A caller that awaited the last result may submit the next task on this turn.
    if (this.#outstanding === 0) await nextTurn();
    // Only while the pool waits on latency: with more chunks out than workers, the
    // workers are busy and a spinning pool would take a CPU from them.
    const latencyBound = (): boolean =>
      this.#outstanding > 0 && this.#outstanding <= this.#processes && this.#state !== PoolState.Terminate;
    if (!latencyBound()) return NOT_READY;
    return spinAsync(look, this.#resultSpins, latencyBound);
  }

  #drainResults(): void {
    for (;;) {
      let batch: ResultEntry[] | typeof NOT_READY;
      try {
        batch = this.#results.tryGetNow();
      } catch {
        return;
      }
      if (batch === NOT_READY) return;
      this.#handleBatch(batch);
    }
  }

  #handleBatch(batch: ResultEntry[]): void {
    for (let at = 0; at < batch.length; at++) {
      const entry = batch[at];
      const [seq, ok, payload, ms] = entry;
      if (ok !== RESULT_RUN) {
        this.#handleResult(seq, ok, payload, 0, ok ? (payload as ArrayLike<unknown>).length : 0, ms, entry[4]);
        continue;
      }
      this.#handleRun(seq, payload as ArrayLike<unknown>, ms);
    }
  }

  /**
   * The results of a run (#sendRun): one value per chunk, chunks seq, seq + 1 ...
   * At chunksize 1 this is every task, so the common case is booked once per
   * run: its chunks are then the head of their worker's list, in order.
   */
  #handleRun(seq: number, values: ArrayLike<unknown>, ms: number): void {
    const count = values.length;
    const worker = this.#inflightChunk(seq)?.worker ?? null;
    const list = worker === null ? [] : worker.inflight;
    let atHead = list.length >= count;
    for (let i = 0; atHead && i < count; i++) atHead = list[i].seq === seq + i;
    if (worker === null || !atHead) {
      // A chunk of it was stopped, or its worker is being replaced: one by one.
      for (let i = 0; i < count; i++) this.#handleResult(seq + i, 1, values, i, 1, ms / count, undefined);
      return;
    }
    worker.answered = true;
    const chunks = list.splice(0, count);
    this.#noteChunkMs(ms / count, count);
    for (let i = 0; i < count; i++) {
      const chunk = chunks[i];
      chunk.worker = null;
      this.#finishChunk(chunk);
      this.#deliver(chunk, 1, values, i, 1);
    }
  }

  /** Folds `times` chunks of `ms` each into the running average that sizes the workers' queues. */
  #noteChunkMs(ms: number, times = 1): void {
    const avg = this.#avgChunkMs;
    // The average after `times` updates of avg * 0.8 + ms * 0.2, at once.
    this.#avgChunkMs = avg === Infinity ? ms : ms + (avg - ms) * 0.8 ** times;
    this.#queuedPerWorker = Math.max(
      1,
      Math.min(MAX_QUEUED_CHUNKS, Math.floor(TARGET_QUEUED_MS / Math.max(this.#avgChunkMs, 1e-3))),
    );
  }

  /**
   * One chunk's outcome, as its worker reported it: its error, or its `count`
   * results in `payload` from `from` (a chunk of a run has one in the run's array).
   */
  #handleResult(
    seq: number,
    ok: 0 | 1,
    payload: unknown,
    from: number,
    count: number,
    ms: number,
    rss: number | undefined,
  ): void {
    const chunk = this.#inflightChunk(seq);
    if (chunk === undefined) return; // already failed (its worker was declared lost) or terminated
    const worker = chunk.worker!;
    worker.answered = true;
    if (worker.inflight[0] === chunk) worker.inflight.shift();
    else worker.inflight.splice(worker.inflight.indexOf(chunk), 1);
    chunk.worker = null;
    this.#noteChunkMs(ms);
    this.#finishChunk(chunk);
    if (worker && rss !== undefined && rss > this.#maxMemory! && !worker.leaving) this.#retire(worker);
    this.#deliver(chunk, ok, payload, from, count);
  }

  /** Hands a finished chunk's outcome to its job (unless the job has failed meanwhile). */
  #deliver(chunk: Chunk, ok: 0 | 1, payload: unknown, from: number, count: number): void {
    if (chunk.job.failed) return;
    if (ok) this.#completed++;
    if (ok) chunk.job.onChunk(chunk, payload as ArrayLike<unknown>, from, count);
    else this.#failJob(chunk, payload as Error);
  }

  #stopIdleWorkersIfDone(): void {
    if (this.#state !== PoolState.Close || this.#outstanding > 0 || this.#feeds.size > 0) return;
    for (const worker of this.#workers) if (worker) this.#retire(worker);
    this.#checkFinished();
  }

  #checkFinished(): void {
    if (
      this.#state === PoolState.Run ||
      this.#outstanding > 0 ||
      (this.#feeds.size > 0 && this.#state !== PoolState.Terminate)
    )
      return;
    if (this.#allWorkers().some((w) => !w.hasExited)) return;
    livePools.delete(this);
    this.#markFinished();
  }
}
