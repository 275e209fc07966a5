// The posix queue kernel: a byte ring in shared memory (native/ring.cc). A put
// copies the encoded item into the ring under a robust process-shared mutex, a
// get copies it out. No pipe, no feeder thread. The ring lives in a nameless
// shared-memory object (memfd): a forked child inherits the mapping, other
// start methods get the fd; nothing can leak in /dev/shm. Items larger than
// half the ring travel in a temporary named segment whose name goes through
// the ring.
import { native, type RingHandle } from '../../internal/native';
import { decodeMessage, MessageTag, type EncodedMessage } from '../../internal/codec';
import { CodedError, CodedTypeError, Empty } from '../../errors';
import { NOT_READY } from '../../wait/spin_then_park';
import { waitUntilChanged } from '../../wait/waiter';
import { blockFor, deadlineOf, expired, nativeMs, needsSlices, sliceOf, type Timeout } from '../../wait/timeout';
import { OS_NAME_PREFIX, randomOsName } from '../../internal/os_names';
import { resourceTrackerFd, trackResource, untrackResource } from '../../resource_tracker';
import { receiveBuffer } from '../../internal/receive_memory';
import { landing } from '../../internal/landing_slab';
import { joinTimedOut, queueClosed, queueEmpty, queueFull, taskDoneTooMany } from '../../queues/queue_errors';
import type { QueueKernel, QueueKernels } from '../queues';

// ringPut/ringTaskDone/ringJoin return Ok or a negative status; ringGet returns
// length * 1024 + kind * 256 + tag (>= 0) or a negative status, where
// layout.tooSmallBase - n says the item needs a target of n bytes.
const enum RingStatus {
  Ok = 0,
  WouldBlock = -1,
  Closed = -2,
  TooBig = -4,
  TooManyTaskDone = -5,
  Corrupt = -6,
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

/** A native ring call that blocks for `timeout`, sliced past what the native side takes at once. */
function blockOnRing(timeout: Timeout, call: (ms: number) => number): number {
  return blockFor(timeout, call, (status) => status === RingStatus.WouldBlock);
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

export class RingQueue implements QueueKernel {
  /** The mapping (async waiters sleep on words in it). */
  readonly #ring: Buffer;
  /** What the native ring calls take. */
  readonly #handle: RingHandle;
  readonly #fd: number;
  readonly #maxsize: number;
  readonly #spillThreshold: number;
  readonly #stats = new Float64Array(8);

  constructor(mapping: RingMapping) {
    // Start the tracker here, so every process using this queue shares it and a
    // spilled item outlives the child that put it.
    resourceTrackerFd();
    this.#ring = mapping.ring;
    this.#handle = native.ringHandle(mapping.ring);
    this.#fd = mapping.fd;
    closeOnCollect.register(this, mapping.fd);
    native.ringStats(this.#handle, this.#stats);
    this.#maxsize = this.#stats[3];
    this.#spillThreshold = this.#stats[5] / 2;
  }

  get maxsize(): number {
    return this.#maxsize;
  }

  // ---- put ----

  async put(message: EncodedMessage, limit: Timeout, signal: AbortSignal | undefined): Promise<void> {
    if (this.#fitsInline(message)) {
      // Room right away (the common case): one native call, no waiting machinery.
      const status = native.ringPut(this.#handle, message.tag, message.body, 0); // RecordKind.Inline
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
            ? native.ringPut(this.#handle, kind * 256 + message.tag, body, 0, result)
            : native.ringPut(this.#handle, kind * 256 + message.tag, body, 0),
        () => result[0],
      );
    } catch (err) {
      this.#dropSpill(spillName);
      throw err;
    }
    this.#afterPut(status, spillName);
  }

  putSync(message: EncodedMessage, limit: Timeout): void {
    if (this.#fitsInline(message) && !needsSlices(limit)) {
      // The common case, kept lean: one native call.
      const status = native.ringPut(this.#handle, message.tag, message.body, nativeMs(limit)); // RecordKind.Inline
      if (status !== RingStatus.Ok) this.#afterPut(status, null);
      return;
    }
    const [kind, body, spillName] = this.#prepare(message);
    let status: number;
    try {
      status = blockOnRing(limit, (ms) => native.ringPut(this.#handle, kind * 256 + message.tag, body, ms));
    } catch (err) {
      this.#dropSpill(spillName);
      throw err;
    }
    this.#afterPut(status, spillName);
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
    if (status === RingStatus.WouldBlock) throw queueFull();
    if (status === RingStatus.Closed) throw queueClosed();
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

  async get(limit: Timeout, signal: AbortSignal | undefined): Promise<unknown> {
    // An item right away (the common case): one native call, no waiting machinery.
    const first = this.#getInto(null, 0);
    if (first >= 0) return this.#afterGet(first, null);
    const result = new Float64Array(4); // async: other calls may use the shared `out` meanwhile
    let target: Buffer | null = null;
    for (;;) {
      let item: unknown;
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
      if (status === RingStatus.Ok) return item;
      if (status > layout.tooSmallBase) return this.#afterGet(status, null);
      target = receiveBuffer(layout.tooSmallBase - status);
    }
  }

  getSync(limit: Timeout): unknown {
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

  tryGet(): unknown {
    const got = this.#getInto(null, 0);
    if (got === RingStatus.WouldBlock) return NOT_READY;
    if (got > layout.tooSmallBase) return this.#afterGet(got, null);
    try {
      return this.getSync(0); // larger than the landing slab: the full path sizes a buffer
    } catch (err) {
      if (err instanceof Empty) return NOT_READY; // another consumer took it meanwhile
      throw err;
    }
  }

  /**
   * One ringGet into `target`, or (null) into the landing slab at its current
   * offset. With `register` (async callers), never sleeps: registers as a waiter.
   */
  #getInto(target: Buffer | null, limit: number, register?: Float64Array): number {
    const into = target ?? landing.roomy();
    const offset = target === null ? landing.offset : 0;
    return register === undefined
      ? native.ringGet(this.#handle, into, offset, limit)
      : native.ringGet(this.#handle, into, offset, limit, register);
  }

  #afterGet(got: number, target: Buffer | null): unknown {
    if (got < 0) {
      if (got === RingStatus.WouldBlock) throw queueEmpty();
      if (got === RingStatus.Closed) throw queueClosed();
      if (got === RingStatus.Corrupt) throw ringCorrupt('its next record lies outside what was put');
      throw new CodedError('ERR_QUEUE_INTERNAL', `unexpected ring status ${got} on get`);
    }
    const low = got % 1024;
    const tag = low & 255;
    const length = (got - low) / 1024;
    if (low >> 8 === RecordKind.Spilled) {
      const spill = target ?? landing.buffer.subarray(landing.offset);
      return decodeMessage(tag, readSpill(spill.toString('utf8', 0, length)));
    }
    if (target !== null) return decodeMessage(tag, target.subarray(0, length));
    if (tag === MessageTag.Structured) return landing.decodeStructured(length);
    return decodeMessage(tag, landing.claim(length));
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
        await waitUntilChanged(this.#ring, word, seen(), { timeout: sliceOf(deadline, WAIT_SLICE_MS), signal });
      } finally {
        native.ringUnwait(this.#handle, waiter);
      }
      if (expired(deadline)) return attempt(false);
    }
  }

  // ---- state ----

  qsize(): number {
    native.ringStats(this.#handle, this.#stats);
    return this.#stats[0];
  }

  close(): void {
    native.ringClose(this.#handle);
  }

  get closed(): boolean {
    native.ringStats(this.#handle, this.#stats);
    return this.#stats[2] !== 0;
  }

  get recoveredLocks(): number {
    native.ringStats(this.#handle, this.#stats);
    return this.#stats[6];
  }

  // ---- tasks (JoinableQueue) ----

  taskDone(): void {
    if (native.ringTaskDone(this.#handle) === RingStatus.TooManyTaskDone) throw taskDoneTooMany();
  }

  async join(limit: Timeout, signal: AbortSignal | undefined): Promise<void> {
    const deadline = deadlineOf(limit);
    for (;;) {
      const register = !expired(deadline);
      const status = register ? native.ringJoin(this.#handle, 0, out) : native.ringJoin(this.#handle, 0);
      if (status === RingStatus.Ok) return;
      if (!register) throw joinTimedOut('join()', limit);
      try {
        await waitUntilChanged(this.#ring, layout.taskSeq, out[0], {
          timeout: sliceOf(deadline, WAIT_SLICE_MS),
          signal,
        });
      } finally {
        native.ringUnwait(this.#handle, Waiter.Joiner);
      }
    }
  }

  joinSync(limit: Timeout): void {
    if (blockOnRing(limit, (ms) => native.ringJoin(this.#handle, ms)) !== RingStatus.Ok)
      throw joinTimedOut('joinSync()', limit);
  }

  reduced(): { state: Record<string, unknown>; fds: number[] } {
    return { state: {}, fds: [this.#fd] };
  }
}

function ringCorrupt(what: string): CodedError {
  return new CodedError(
    'ERR_QUEUE_CORRUPT',
    `the queue's shared memory was overwritten (${what}): another process wrote into it outside the library, ` +
      'so nothing was taken from it. Make a new Queue.',
  );
}

/** A spilled item's size and segment name, as #prepare wrote them: `<size>:pmp-<20 base32 characters>`. */
const SPILL_RECORD = new RegExp(`^(\\d{1,15}):(${OS_NAME_PREFIX}[a-z2-7]{20})$`);

function readSpill(spill: string): Buffer {
  // Only a name this library made is opened (and unlinked): the record came through shared memory.
  const parsed = SPILL_RECORD.exec(spill);
  if (parsed === null) throw ringCorrupt('a spilled item names no segment of ours');
  const size = Number(parsed[1]);
  const name = parsed[2];
  const fd = native.shmOpen(name, 'open');
  try {
    if (native.fdSize(fd) < size) throw ringCorrupt(`the segment of a spilled item is smaller than its ${size} bytes`);
    native.shmUnlink(name);
    untrackResource('shm', name);
    // The mapping itself is the item's bytes: no copy (unmapped when collected).
    return native.mapShared(fd, Math.max(1, size)).subarray(0, size);
  } finally {
    native.close(fd);
  }
}

export const ringQueues: QueueKernels = {
  create: (maxsize, opts) => new RingQueue(createRing(maxsize, opts.bufferSize ?? DEFAULT_QUEUE_BYTES)),
  attach: (_state, fds) => new RingQueue(attachRing(fds[0])),
};
