// Queue, JoinableQueue and SimpleQueue (Python's multiprocessing.queues). The
// classes check arguments and encode items on their channel (lib/reduction.ts);
// storing, waiting and handing items back is the backend's queue kernel
// (lib/kernels/queues.ts): a shared-memory ring under posix, a broker-held
// queue under portable. Neither has a feeder thread: joinThread() and
// cancelJoinThread() have nothing to do.
import { kernels } from './backend';
import { CodedTypeError, Empty } from './errors';
import { abortError, checkSignal } from './wait/abort';
import { toTimeout, type Timeout } from './wait/timeout';
import { channelById, channels, dump, reduce, registerRebuilder, type Channel, type Reduced } from './reduction';
import type { QueueKernel } from './kernels/queues';
import { NOT_READY, type Look } from './wait/spin_then_park';

export interface PutOptions {
  /** false: throw Full at once when there is no room. Default true. */
  block?: boolean;
  /** Milliseconds to wait for room; undefined or null waits forever. */
  timeout?: number | null;
  signal?: AbortSignal;
}

export type GetOptions = PutOptions;

export interface QueueOptions {
  /** Bytes of ring (default 4 MiB; posix backend); larger items still pass, through a temporary segment. */
  bufferSize?: number;
  /** @internal What the items are, for refusals: a Pool's queues carry tasks and results. */
  channel?: Channel;
}

/** How long a put or get may wait: { block: false } polls once whatever the timeout (checked all the same). */
function waitFor(opts: PutOptions, call: string): Timeout {
  if (typeof opts !== 'object' || opts === null) {
    throw new CodedTypeError('ERR_INVALID_ARG_TYPE', `${call}: opts must be an object like { block, timeout, signal }`);
  }
  const timeout = toTimeout(opts.timeout, call);
  return opts.block === false ? 0 : timeout;
}

function checkMaxsize(maxsize: number): number {
  if (!Number.isInteger(maxsize) || maxsize < 0 || maxsize > 0xffffff) {
    throw new CodedTypeError(
      'ERR_INVALID_ARG_VALUE',
      `maxsize must be an integer >= 0 (0: unbounded), got ${String(maxsize)}`,
    );
  }
  return maxsize;
}

/** The kernel of a queue being rebuilt: an fd (posix; the historical third argument) or the kernel itself. */
function attachedKernel(attach: number | QueueKernel): QueueKernel {
  return typeof attach === 'number' ? kernels().queues.attach({}, [attach]) : attach;
}

export class Queue<T = unknown> {
  /** The backend's queue: every operation that reaches another process goes through it. */
  protected readonly kernel: QueueKernel;
  readonly #channel: Channel;

  /** `attach` is internal: the queue another process reduced (rebuilders pass it). */
  constructor(maxsize = 0, opts: QueueOptions = {}, attach?: number | QueueKernel) {
    this.kernel = attach === undefined ? kernels().queues.create(checkMaxsize(maxsize), opts) : attachedKernel(attach);
    this.#channel = opts.channel ?? channels.queue;
  }

  get maxsize(): number {
    return this.kernel.maxsize;
  }

  // ---- put ----

  /** Puts item, waiting for room (async; never blocks the event loop). */
  async put(item: T, opts: PutOptions = {}): Promise<void> {
    const message = dump(item, this.#channel);
    const limit = waitFor(opts, 'Queue.put()');
    const signal = checkSignal(opts.signal, 'Queue.put()');
    if (signal?.aborted) throw abortError(signal);
    return this.kernel.put(message, limit, signal);
  }

  /** Puts item, blocking this thread while the queue is full. */
  putSync(item: T, opts?: PutOptions): void {
    const message = dump(item, this.#channel);
    this.kernel.putSync(message, opts === undefined ? null : waitFor(opts, 'Queue.putSync()'));
  }

  putNowait(item: T): void {
    this.putSync(item, { block: false });
  }

  // ---- get ----

  /** The next item, waiting for one (async). Empty after a timeout; ERR_QUEUE_CLOSED once closed and drained. */
  async get(opts: GetOptions = {}): Promise<T> {
    const limit = waitFor(opts, 'Queue.get()');
    const signal = checkSignal(opts.signal, 'Queue.get()');
    if (signal?.aborted) throw abortError(signal);
    return this.kernel.get(limit, signal) as Promise<T>;
  }

  /** The next item, blocking this thread while the queue is empty. */
  getSync(opts?: GetOptions): T {
    return this.kernel.getSync(opts === undefined ? null : waitFor(opts, 'Queue.getSync()')) as T;
  }

  getNowait(): T {
    return this.getSync({ block: false });
  }

  /**
   * @internal A look at the queue for spin-then-park waiters (lib/wait/spin_then_park.ts):
   * the next item or NOT_READY, never Empty; null where looking is not cheap (portable).
   */
  looker(): Look<T> | null {
    const kernel = this.kernel;
    if (kernel.tryGet === undefined) return null;
    return () => kernel.tryGet!() as T | typeof NOT_READY;
  }

  /** @internal The next item if one is there now, else NOT_READY (never Empty), on every backend. */
  tryGetNow(): T | typeof NOT_READY {
    if (this.kernel.tryGet !== undefined) return this.kernel.tryGet() as T | typeof NOT_READY;
    try {
      return this.getNowait();
    } catch (err) {
      if (err instanceof Empty) return NOT_READY;
      throw err;
    }
  }

  // ---- state ----

  qsize(): number {
    return this.kernel.qsize();
  }

  empty(): boolean {
    return this.qsize() === 0;
  }

  full(): boolean {
    const maxsize = this.kernel.maxsize;
    return maxsize > 0 && this.qsize() >= maxsize;
  }

  /**
   * Closes the queue for every process: put() anywhere then throws
   * ERR_QUEUE_CLOSED; get() drains what is left, then throws ERR_QUEUE_CLOSED
   * (and async iteration ends). Python's close() only affects the calling process.
   */
  close(): void {
    this.kernel.close();
  }

  get closed(): boolean {
    return this.kernel.closed;
  }

  /** No feeder thread exists: nothing to join. Kept for Python compatibility. */
  joinThread(): void {}

  /** No feeder thread exists: nothing to cancel. Kept for Python compatibility. */
  cancelJoinThread(): void {}

  /** Yields items until the queue is closed and drained. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for (;;) {
      try {
        yield await this.get();
      } catch (err) {
        if ((err as { code?: string }).code === 'ERR_QUEUE_CLOSED') return;
        throw err;
      }
    }
  }

  /** How often a put/get found the queue's lock held by a process that had died (and recovered). */
  get recoveredLocks(): number {
    return this.kernel.recoveredLocks;
  }

  [reduce](): Reduced {
    const { state, fds } = this.kernel.reduced();
    return {
      kind: (this.constructor as typeof Queue).reduceKind,
      state: { ...state, channel: this.#channel.id },
      fds,
    };
  }

  static reduceKind = 'Queue';
}

export class JoinableQueue<T = unknown> extends Queue<T> {
  static override reduceKind = 'JoinableQueue';

  /** Marks one item got from the queue as processed; ERR_TASK_DONE_TOO_MANY past the number of items put. */
  taskDone(): void {
    this.kernel.taskDone();
  }

  /** Resolves once every item put has been marked taskDone(). */
  async join(opts: { timeout?: number | null; signal?: AbortSignal } = {}): Promise<void> {
    const limit = waitFor(opts, 'JoinableQueue.join()');
    const signal = checkSignal(opts.signal, 'JoinableQueue.join()');
    if (signal?.aborted) throw abortError(signal);
    return this.kernel.join(limit, signal);
  }

  joinSync(timeout?: number | null): void {
    this.kernel.joinSync(toTimeout(timeout, 'JoinableQueue.joinSync()'));
  }
}

/** Python's SimpleQueue: unbounded; get/put/empty/close (the rest of Queue works too). */
export class SimpleQueue<T = unknown> extends Queue<T> {
  static override reduceKind = 'SimpleQueue';

  constructor(opts: QueueOptions = {}, attach?: number | QueueKernel) {
    super(0, opts, attach);
  }
}

type QueueState = Record<string, unknown> & { channel: string };
const attached = (state: QueueState, fds: number[]): QueueKernel => kernels().queues.attach(state, fds);
registerRebuilder(
  'Queue',
  (state: QueueState, fds: number[]) => new Queue(0, { channel: channelById(state.channel) }, attached(state, fds)),
);
registerRebuilder(
  'JoinableQueue',
  (state: QueueState, fds: number[]) =>
    new JoinableQueue(0, { channel: channelById(state.channel) }, attached(state, fds)),
);
registerRebuilder(
  'SimpleQueue',
  (state: QueueState, fds: number[]) => new SimpleQueue({ channel: channelById(state.channel) }, attached(state, fds)),
);
