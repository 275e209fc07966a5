// Queue, JoinableQueue and SimpleQueue (Python's multiprocessing.queues) on a
// byte ring in shared memory (native/ring.cc): a put copies the encoded item
// into the ring under a robust process-shared mutex, a get copies it out. No
// pipe, no feeder thread: joinThread() and cancelJoinThread() have nothing to
// do. The ring lives in a nameless shared-memory object (memfd): a forked child
// inherits the mapping, other start methods get the fd; nothing can leak in
// /dev/shm. Items larger than half the ring travel in a temporary named segment
// whose name goes through the ring.
import { native, type RingHandle } from './internal/native';
import { decodeMessage, MessageTag, type EncodedMessage } from './internal/codec';
import { CodedError, CodedTypeError, Empty, Full } from './errors';
import { waitUntilChanged } from './wait/waiter';
import { abortError, checkSignal } from './wait/abort';
import { blockFor, deadlineOf, expired, nativeMs, needsSlices, sliceOf, toTimeout, type Timeout } from './wait/timeout';
import { randomOsName } from './internal/os_names';
import { resourceTrackerFd, trackResource, untrackResource } from './resource_tracker';
import { channelById, channels, dump, reduce, registerRebuilder, type Channel, type Reduced } from './reduction';
import { receiveBuffer } from './internal/receive_memory';
import { landing } from './internal/landing_slab';

// ringPut/ringTaskDone/ringJoin return Ok or a negative status; ringGet returns
// length * 1024 + kind * 256 + tag (>= 0) or a negative status, where
// layout.tooSmallBase - n says the item needs a target of n bytes.
const enum RingStatus {
  Ok = 0,
  WouldBlock = -1,
  Closed = -2,
  TooBig = -4,
  TooManyTaskDone = -5,
}
const enum Waiter {
  Putter = 0,
  Getter = 1,
  Joiner = 2,
}
const enum RecordKind {
  Inline = 0,
  Spilled = 1,
}

const layout = native.ringLayout;
/** Default bytes of ring per queue (memory is only used as the ring fills). */
export const DEFAULT_QUEUE_BYTES = 4 * 1024 * 1024;
// An async waiter re-checks at least this often (a process killed between its
// commit and its wake-up must not leave anyone waiting).
const WAIT_SLICE_MS = 250;
const out = new Float64Array(8);

export interface PutOptions {
  /** false: throw Full at once when there is no room. Default true. */
  block?: boolean;
  /** Milliseconds to wait for room; undefined or null waits forever. */
  timeout?: number | null;
  signal?: AbortSignal;
}

export type GetOptions = PutOptions;

export interface QueueOptions {
  /** Bytes of ring (default 4 MiB); larger items still pass, through a temporary segment. */
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

/** A native ring call that blocks for `timeout`, sliced past what the native side takes at once. */
function blockOnRing(timeout: Timeout, call: (ms: number) => number): number {
  return blockFor(timeout, call, (status) => status === RingStatus.WouldBlock);
}

function closedError(): Error {
  return new CodedError('ERR_QUEUE_CLOSED', 'the queue is closed: close() was called (in this or another process)');
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

interface RingMapping {
  fd: number;
  ring: Buffer;
}

function createRing(maxsize: number, bufferSize: number): RingMapping {
  if (!Number.isInteger(bufferSize) || bufferSize < 4096 || bufferSize > layout.maxCapacity) {
    throw new CodedTypeError(
      'ERR_INVALID_ARG_VALUE',
      `bufferSize must be an integer from 4096 to ${layout.maxCapacity}, got ${String(bufferSize)}`,
    );
  }
  const capacity = 2 ** Math.ceil(Math.log2(bufferSize)); // the ring wants a power of two
  const size = layout.headerSize + capacity;
  const fd = native.anonymousShared(size);
  try {
    const ring = native.mapShared(fd, size);
    native.ringInit(ring, capacity, maxsize);
    return { fd, ring };
  } catch (err) {
    native.close(fd);
    throw err;
  }
}

function attachRing(fd: number): RingMapping {
  return { fd, ring: native.mapShared(fd, native.fdSize(fd)) };
}

const closeOnCollect = new FinalizationRegistry<number>((fd) => {
  try {
    native.close(fd);
  } catch {
    /* already closed */
  }
});

export class Queue<T = unknown> {
  /** The mapping (async waiters sleep on words in it). */
  protected readonly ring: Buffer;
  /** What the native ring calls take. */
  protected readonly handle: RingHandle;
  readonly #fd: number;
  readonly #channel: Channel;
  readonly #maxsize: number;
  readonly #spillThreshold: number;
  readonly #stats = new Float64Array(8);

  constructor(maxsize = 0, opts: QueueOptions = {}, attachFd?: number) {
    const mapping =
      attachFd === undefined
        ? createRing(checkMaxsize(maxsize), opts.bufferSize ?? DEFAULT_QUEUE_BYTES)
        : attachRing(attachFd);
    // Start the tracker here, so every process using this queue shares it and a
    // spilled item outlives the child that put it.
    resourceTrackerFd();
    this.ring = mapping.ring;
    this.handle = native.ringHandle(mapping.ring);
    this.#fd = mapping.fd;
    this.#channel = opts.channel ?? channels.queue;
    closeOnCollect.register(this, mapping.fd);
    native.ringStats(this.handle, this.#stats);
    this.#maxsize = this.#stats[3];
    this.#spillThreshold = this.#stats[5] / 2;
  }

  get maxsize(): number {
    return this.#maxsize;
  }

  // ---- put ----

  /** Puts item, waiting for room (async; never blocks the event loop). */
  async put(item: T, opts: PutOptions = {}): Promise<void> {
    const message = dump(item, this.#channel);
    const limit = waitFor(opts, 'Queue.put()');
    const signal = checkSignal(opts.signal, 'Queue.put()');
    if (signal?.aborted) throw abortError(signal);
    if (this.#fitsInline(message)) {
      // Room right away (the common case): one native call, no waiting machinery.
      const status = native.ringPut(this.handle, message.tag, message.body, 0); // RecordKind.Inline
      if (status !== RingStatus.WouldBlock) return this.#afterPut(status, null);
    }
    const [kind, body, spillName] = this.#prepare(message);
    const result = new Float64Array(4); // async: other calls may use the shared `out` meanwhile
    let status: number;
    try {
      status = await this.#waitLoop(
        Waiter.Putter,
        layout.getSeq,
        limit,
        signal,
        (register) =>
          register
            ? native.ringPut(this.handle, kind * 256 + message.tag, body, 0, result)
            : native.ringPut(this.handle, kind * 256 + message.tag, body, 0),
        () => result[0],
      );
    } catch (err) {
      this.#dropSpill(spillName);
      throw err;
    }
    this.#afterPut(status, spillName);
  }

  /** Puts item, blocking this thread while the queue is full. */
  putSync(item: T, opts?: PutOptions): void {
    const message = dump(item, this.#channel);
    const limit = opts === undefined ? null : waitFor(opts, 'Queue.putSync()');
    if (this.#fitsInline(message) && !needsSlices(limit)) {
      // The common case, kept lean: one native call.
      const status = native.ringPut(this.handle, message.tag, message.body, nativeMs(limit)); // RecordKind.Inline
      if (status !== RingStatus.Ok) this.#afterPut(status, null);
      return;
    }
    const [kind, body, spillName] = this.#prepare(message);
    let status: number;
    try {
      status = blockOnRing(limit, (ms) => native.ringPut(this.handle, kind * 256 + message.tag, body, ms));
    } catch (err) {
      this.#dropSpill(spillName);
      throw err;
    }
    this.#afterPut(status, spillName);
  }

  putNowait(item: T): void {
    this.putSync(item, { block: false });
  }

  /** Whether the item travels in the ring itself (else in a temporary segment). */
  #fitsInline(message: EncodedMessage): boolean {
    return message.body.byteLength + layout.recordHeader <= this.#spillThreshold;
  }

  #prepare(message: EncodedMessage): [RecordKind, Uint8Array, string | null] {
    if (this.#fitsInline(message)) return [RecordKind.Inline, message.body, null];
    // Too big for the ring: write it to its own segment and queue the name.
    const name = randomOsName();
    const fd = native.shmOpen(name, 'create-exclusive', Math.max(1, message.body.byteLength));
    try {
      trackResource('shm', name); // unlinked when the tree ends if no one ever gets it
      const mapping = native.mapShared(fd, Math.max(1, message.body.byteLength));
      mapping.set(message.body);
      native.unmap(mapping);
    } catch (err) {
      this.#dropSpill(name);
      throw err;
    } finally {
      native.close(fd);
    }
    return [RecordKind.Spilled, Buffer.from(`${message.body.byteLength}:${name}`), name];
  }

  #afterPut(status: number, spillName: string | null): void {
    if (status === RingStatus.Ok) return;
    this.#dropSpill(spillName);
    if (status === RingStatus.WouldBlock) throw new Full('the queue is full');
    if (status === RingStatus.Closed) throw closedError();
    throw new CodedError('ERR_QUEUE_INTERNAL', `unexpected ring status ${status} on put`);
  }

  #dropSpill(name: string | null): void {
    if (name === null) return;
    try {
      native.shmUnlink(name);
    } catch {
      /* already gone */
    }
    untrackResource('shm', name);
  }

  // ---- get ----

  /** The next item, waiting for one (async). Empty after a timeout; ERR_QUEUE_CLOSED once closed and drained. */
  async get(opts: GetOptions = {}): Promise<T> {
    const limit = waitFor(opts, 'Queue.get()');
    const signal = checkSignal(opts.signal, 'Queue.get()');
    if (signal?.aborted) throw abortError(signal);
    // An item right away (the common case): one native call, no waiting machinery.
    const first = this.#getInto(null, 0);
    if (first >= 0) return this.#afterGet(first, null);
    const result = new Float64Array(4); // async: other calls may use the shared `out` meanwhile
    let target: Buffer | null = null;
    for (;;) {
      let item: T | undefined;
      const status = await this.#waitLoop(
        Waiter.Getter,
        layout.putSeq,
        limit,
        signal,
        (register) => {
          const st = this.#getInto(target, 0, register ? result : undefined);
          // Decode at once: the landing slab is only ours until the next await.
          if (st >= 0) item = this.#afterGet(st, target);
          return st >= 0 ? RingStatus.Ok : st;
        },
        () => result[0],
      );
      if (status === RingStatus.Ok) return item as T;
      if (status > layout.tooSmallBase) return this.#afterGet(status, null);
      target = receiveBuffer(layout.tooSmallBase - status);
    }
  }

  /** The next item, blocking this thread while the queue is empty. */
  getSync(opts?: GetOptions): T {
    const limit = opts === undefined ? null : waitFor(opts, 'Queue.getSync()');
    let target: Buffer | null = null;
    for (;;) {
      const into = target;
      const status = needsSlices(limit)
        ? blockOnRing(limit, (ms) => this.#getInto(into, ms))
        : this.#getInto(into, nativeMs(limit));
      if (status > layout.tooSmallBase) return this.#afterGet(status, target);
      target = receiveBuffer(layout.tooSmallBase - status);
    }
  }

  getNowait(): T {
    return this.getSync({ block: false });
  }

  /**
   * One ringGet into `target`, or (null) into the landing slab at its current
   * offset. With `register` (async callers), never sleeps: registers as a waiter.
   */
  #getInto(target: Buffer | null, limit: number, register?: Float64Array): number {
    const into = target ?? landing.roomy();
    const offset = target === null ? landing.offset : 0;
    return register === undefined
      ? native.ringGet(this.handle, into, offset, limit)
      : native.ringGet(this.handle, into, offset, limit, register);
  }

  #afterGet(got: number, target: Buffer | null): T {
    if (got < 0) {
      if (got === RingStatus.WouldBlock) throw new Empty('the queue is empty');
      if (got === RingStatus.Closed) throw closedError();
      throw new CodedError('ERR_QUEUE_INTERNAL', `unexpected ring status ${got} on get`);
    }
    const low = got % 1024;
    const tag = low & 255;
    const length = (got - low) / 1024;
    if (low >> 8 === RecordKind.Spilled) {
      const spill = target ?? landing.buffer.subarray(landing.offset);
      return decodeMessage(tag, readSpill(spill.toString('utf8', 0, length))) as T;
    }
    if (target !== null) return decodeMessage(tag, target.subarray(0, length)) as T;
    if (tag === MessageTag.Structured) return landing.decodeStructured(length) as T;
    return decodeMessage(tag, landing.claim(length)) as T;
  }

  /**
   * Runs `attempt` (a non-blocking ring operation that, when `register` is
   * true, counts this process as a waiter on `word` and reports the word's
   * value), sleeping on the word between attempts until `limit` ms have passed.
   */
  async #waitLoop(
    waiter: Waiter,
    word: number,
    limit: Timeout,
    signal: AbortSignal | undefined,
    attempt: (register: boolean) => number,
    seen: () => number,
  ): Promise<number> {
    const deadline = deadlineOf(limit);
    for (;;) {
      const register = limit !== 0 && !expired(deadline);
      const status = attempt(register);
      if (status !== RingStatus.WouldBlock || !register) return status;
      try {
        await waitUntilChanged(this.ring, word, seen(), { timeout: sliceOf(deadline, WAIT_SLICE_MS), signal });
      } finally {
        native.ringUnwait(this.handle, waiter);
      }
      if (expired(deadline)) return attempt(false);
    }
  }

  // ---- state ----

  qsize(): number {
    native.ringStats(this.handle, this.#stats);
    return this.#stats[0];
  }

  empty(): boolean {
    return this.qsize() === 0;
  }

  full(): boolean {
    return this.#maxsize > 0 && this.qsize() >= this.#maxsize;
  }

  /**
   * Closes the queue for every process: put() anywhere then throws
   * ERR_QUEUE_CLOSED; get() drains what is left, then throws ERR_QUEUE_CLOSED
   * (and async iteration ends). Python's close() only affects the calling process.
   */
  close(): void {
    native.ringClose(this.handle);
  }

  get closed(): boolean {
    native.ringStats(this.handle, this.#stats);
    return this.#stats[2] !== 0;
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

  /** How often a put/get found the ring's lock held by a process that had died (and recovered). */
  get recoveredLocks(): number {
    native.ringStats(this.handle, this.#stats);
    return this.#stats[6];
  }

  [reduce](): Reduced {
    return {
      kind: (this.constructor as typeof Queue).reduceKind,
      state: { channel: this.#channel.id },
      fds: [this.#fd],
    };
  }

  static reduceKind = 'Queue';
}

export class JoinableQueue<T = unknown> extends Queue<T> {
  static override reduceKind = 'JoinableQueue';

  /** Marks one item got from the queue as processed; ERR_TASK_DONE_TOO_MANY past the number of items put. */
  taskDone(): void {
    if (native.ringTaskDone(this.handle) === RingStatus.TooManyTaskDone) {
      throw new CodedError('ERR_TASK_DONE_TOO_MANY', 'taskDone() called more times than there were items put');
    }
  }

  /** Resolves once every item put has been marked taskDone(). */
  async join(opts: { timeout?: number | null; signal?: AbortSignal } = {}): Promise<void> {
    const limit = waitFor(opts, 'JoinableQueue.join()');
    const signal = checkSignal(opts.signal, 'JoinableQueue.join()');
    if (signal?.aborted) throw abortError(signal);
    const deadline = deadlineOf(limit);
    for (;;) {
      const register = !expired(deadline);
      const status = register ? native.ringJoin(this.handle, 0, out) : native.ringJoin(this.handle, 0);
      if (status === RingStatus.Ok) return;
      if (!register) throw joinTimedOut('join()', limit);
      try {
        await waitUntilChanged(this.ring, layout.taskSeq, out[0], {
          timeout: sliceOf(deadline, WAIT_SLICE_MS),
          signal,
        });
      } finally {
        native.ringUnwait(this.handle, Waiter.Joiner);
      }
    }
  }

  joinSync(timeout?: number | null): void {
    const limit = toTimeout(timeout, 'JoinableQueue.joinSync()');
    if (blockOnRing(limit, (ms) => native.ringJoin(this.handle, ms)) !== RingStatus.Ok)
      throw joinTimedOut('joinSync()', limit);
  }
}

/** Python's SimpleQueue: unbounded; get/put/empty/close (the rest of Queue works too). */
export class SimpleQueue<T = unknown> extends Queue<T> {
  static override reduceKind = 'SimpleQueue';

  constructor(opts: QueueOptions = {}, attachFd?: number) {
    super(0, opts, attachFd);
  }
}

function joinTimedOut(call: string, limit: Timeout): Error {
  return new CodedError('ERR_JOIN_TIMEOUT', `${call} timed out after ${limit} ms with tasks unfinished`);
}

function readSpill(spill: string): Buffer {
  const colon = spill.indexOf(':');
  const size = Number(spill.slice(0, colon));
  const name = spill.slice(colon + 1);
  const fd = native.shmOpen(name, 'open');
  try {
    native.shmUnlink(name);
    untrackResource('shm', name);
    // The mapping itself is the item's bytes: no copy (unmapped when collected).
    return native.mapShared(fd, Math.max(1, size)).subarray(0, size);
  } finally {
    native.close(fd);
  }
}

type QueueState = { channel: string };
registerRebuilder(
  'Queue',
  (state: QueueState, fds: number[]) => new Queue(0, { channel: channelById(state.channel) }, fds[0]),
);
registerRebuilder(
  'JoinableQueue',
  (state: QueueState, fds: number[]) => new JoinableQueue(0, { channel: channelById(state.channel) }, fds[0]),
);
registerRebuilder(
  'SimpleQueue',
  (state: QueueState, fds: number[]) => new SimpleQueue({ channel: channelById(state.channel) }, fds[0]),
);
