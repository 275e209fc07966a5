// The posix connection kernel: messages framed by a 4-byte little-endian
// length over a socketpair (duplex) or a pipe (one way). Reads take exactly one
// frame, never more, so a connection shared by forked processes (with a lock,
// as in Python) never loses a message to another process's read-ahead. The fds
// are non-blocking. Each read and write is written once, as a generator of the
// readiness waits it needs (wait/steps.ts): Sync forms serve them with
// poll(2), async forms on the event loop (lib/wait/fd_readiness.ts).
import { native } from '../../internal/native';
import { frameOf, MessageTag, type EncodedMessage } from '../../internal/codec';
import { CodedError, EOFError } from '../../errors';
import { registerAfterForkInChild } from '../../child/after_fork';
import { READABLE, WRITABLE, forgetFd, readableSync, whenReady } from '../../wait/fd_readiness';
import { load, loadFrame } from '../../reduction';
import { receiveBuffer } from '../../internal/receive_memory';
import type { Timeout } from '../../wait/timeout';
import { runAsync, runSync, type Steps } from '../../wait/steps';
import {
  connectionClosed,
  endOfFile,
  frameTooLong,
  messageTooLong,
  notWaitable,
  tooShort,
} from '../../connection/connection_errors';
import type { ConnectionEnd } from '../connections';
import { NOT_READY, SpinPolicy, spinAsync, spinSync } from '../../wait/spin_then_park';

const HEADER = 4;
const MAX_MESSAGE = 0xffffffff;
// Frames up to this size are written with one write(2) from a scratch buffer.
const COALESCE_LIMIT = 64 * 1024;
const scratch = Buffer.allocUnsafe(HEADER + COALESCE_LIMIT);

// Bumped in a forked child: locks held by the parent's pending operations do not apply there.
let forkGeneration = 0;
registerAfterForkInChild(() => {
  forkGeneration++;
});

const closeOnCollect = new FinalizationRegistry<number>((fd) => {
  forgetFd(fd);
  try {
    native.close(fd);
  } catch {
    /* already closed */
  }
});

/** Serialises async operations in one direction of one connection. */
class TurnLock {
  private tail: Promise<void> = Promise.resolve();
  private generation = forkGeneration;
  private pending = 0;

  /** No operation is queued or running: one may run synchronously right now. */
  get idle(): boolean {
    return this.pending === 0 || this.generation !== forkGeneration;
  }

  async run<T>(op: () => Promise<T>): Promise<T> {
    if (this.generation !== forkGeneration) {
      this.generation = forkGeneration;
      this.tail = Promise.resolve();
      this.pending = 0;
    }
    const previous = this.tail;
    const generation = this.generation;
    let release!: () => void;
    this.tail = new Promise<void>((r) => {
      release = r;
    });
    this.pending++;
    try {
      await previous;
      return await op();
    } finally {
      if (this.generation === generation) this.pending--;
      release();
    }
  }
}

/** An I/O algorithm: yields READABLE or WRITABLE when the fd must become so before it can go on. */
type IoSteps<T> = Steps<number, unknown, T>;

const NO_BYTES = Buffer.alloc(0);
const asIs = (frame: Buffer): Buffer => frame;
// A message longer than the reader's maxlength is read past in pieces of this size.
const DISCARD_CHUNK = 64 * 1024;
// How long a receiver waits for the fds of a message that says they follow.
const FDS_FOLLOW_MS = 1000;

/** One look at whether the fd is ready for `events`, for spinSync/spinAsync. */
function lookReady(fds: number[], events: number): true | typeof NOT_READY {
  return native.poll(fds, events, 0).length > 0 ? true : NOT_READY;
}

/** One end of a socketpair, pipe or unix socket; owns its fd (closes it in close()). */
export class FdConnection implements ConnectionEnd {
  #fd: number;
  readonly #header = Buffer.allocUnsafe(HEADER);
  readonly #readTurn = new TurnLock();
  readonly #writeTurn = new TurnLock();
  // A reply often comes within microseconds, and a full socket often drains
  // within microseconds: looking again for a moment costs less than a sleep and
  // a wake-up (lib/wait/spin_then_park.ts).
  readonly #readSpins = new SpinPolicy();
  readonly #writeSpins = new SpinPolicy();
  readonly #blockUntilReady = (events: number): void => {
    const fds = [this.#fd];
    const spins = events === READABLE ? this.#readSpins : this.#writeSpins;
    if (spinSync(() => lookReady(fds, events), spins) !== NOT_READY) return;
    native.poll(fds, events, -1);
  };
  readonly #whenReady = async (events: number): Promise<boolean> => {
    const fd = this.#fd;
    if (events === READABLE) {
      const fds = [fd];
      // Closed between two looks (the spin yields to the loop): no poll of an fd
      // that is gone (EBADF) or already reused; the steps report the close.
      const ready = await spinAsync(
        () => (this.#fd !== fd ? true : lookReady(fds, READABLE)),
        this.#readSpins,
        () => this.#fd === fd,
      );
      if (ready !== NOT_READY) return true;
      if (this.#fd !== fd) throw connectionClosed();
    }
    return whenReady(fd, events, { keep: true });
  };

  constructor(fd: number) {
    this.#fd = fd;
    native.setNonBlocking(fd, true);
    closeOnCollect.register(this, fd, this);
  }

  get closed(): boolean {
    return this.#fd < 0;
  }

  fileno(): number {
    this.#checkOpen();
    return this.#fd;
  }

  close(): void {
    if (this.#fd < 0) return;
    const fd = this.#fd;
    this.#fd = -1;
    closeOnCollect.unregister(this);
    forgetFd(fd); // reads keep a paused watch on the fd between waits
    native.close(fd);
  }

  // ---- sending ----

  send(message: EncodedMessage): Promise<void> {
    if (message.fds.length > 0) return this.#writeTurn.run(() => this.#writeWithFds(message));
    if (this.#writeTurn.idle && message.body.length < COALESCE_LIMIT) {
      // Nothing queued ahead: write the frame now, in one write(2) most times.
      try {
        const rest = this.#writeSmallFrameNow(message.body, 0, message.body.length, message.tag);
        return rest === null ? Promise.resolve() : this.#writeTurn.run(() => this.#writeAll(rest));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    // Written later: a copy, so the caller may change its object once send() returns.
    const payload = frameOf(message);
    return this.#writeTurn.run(() => this.#writeFrame(payload, 0, payload.length));
  }

  sendSync(message: EncodedMessage): void {
    if (message.fds.length > 0) {
      this.#writeFrameSync(message.body, 0, message.body.length, MessageTag.StructuredWithFds);
      native.sendMessage(this.#fd, NO_BYTES, message.fds);
      return;
    }
    this.#writeFrameSync(message.body, 0, message.body.length, message.tag);
  }

  // The fds go in a frame of their own right behind the message, which the
  // receiver reads with recvmsg: a plain read() of a frame would drop them.
  async #writeWithFds(message: EncodedMessage): Promise<void> {
    this.#checkOpen();
    const payload = frameOf({ tag: MessageTag.StructuredWithFds, body: message.body });
    const head = Buffer.allocUnsafe(HEADER);
    head.writeUInt32LE(payload.length, 0);
    await this.#writeAll(Buffer.concat([head, payload]));
    native.sendMessage(this.#fd, NO_BYTES, message.fds);
  }

  #load(frame: Buffer): unknown {
    if (frame.length > 0 && frame[0] === MessageTag.StructuredWithFds) {
      // Sent right behind the frame; a bounded wait, so bytes that only look like such a frame fail loudly.
      if (native.poll([this.#fd], READABLE, FDS_FOLLOW_MS).length === 0) {
        throw new CodedError(
          'ERR_INVALID_MESSAGE',
          `a message announced file descriptors that did not follow within ${FDS_FOLLOW_MS} ms ` +
            '(was it sent with sendBytes()? read those with recvBytes())',
        );
      }
      const passed = native.recvMessage(this.#fd);
      if (passed === null) throw new EOFError('the connection closed between a message and its file descriptors');
      return load(MessageTag.Structured, frame.subarray(1), passed.fds);
    }
    return loadFrame(frame);
  }

  sendBytes(bytes: Uint8Array): Promise<void> {
    return this.#writeTurn.run(() => this.#writeFrame(bytes, 0, bytes.length));
  }

  sendBytesSync(bytes: Uint8Array): void {
    this.#writeFrameSync(bytes, 0, bytes.length);
  }

  #frameInScratch(bytes: Uint8Array, offset: number, size: number, tag: number): number {
    const prefix = tag >= 0 ? 1 : 0;
    scratch.writeUInt32LE(size + prefix, 0);
    if (prefix) scratch[HEADER] = tag;
    scratch.set(size === bytes.length && offset === 0 ? bytes : bytes.subarray(offset, offset + size), HEADER + prefix);
    return HEADER + prefix + size;
  }

  #writeFrameSync(bytes: Uint8Array, offset: number, size: number, tag = -1): void {
    const prefix = tag >= 0 ? 1 : 0;
    if (size + prefix > MAX_MESSAGE) throw frameTooLong(size);
    if (size <= COALESCE_LIMIT - 1) {
      this.#writeAllSync(scratch, this.#frameInScratch(bytes, offset, size, tag));
      return;
    }
    const head = Buffer.allocUnsafe(HEADER + prefix);
    head.writeUInt32LE(size + prefix, 0);
    if (prefix) head[HEADER] = tag;
    this.#writeAllSync(head, head.length);
    this.#writeAllSync(bytes.subarray(offset, offset + size), size);
  }

  #writeAllSync(bytes: Uint8Array, length: number): void {
    // Most writes go whole at once: no step machinery for them.
    const n = native.write(this.#fd, bytes, 0, length);
    if (n !== length) this.#sync(this.#writeAllSteps(bytes, Math.max(0, n), length));
  }

  /** Writes a frame that fits the scratch buffer now: null when all of it went, else the rest (a copy). */
  #writeSmallFrameNow(bytes: Uint8Array, offset: number, size: number, tag: number): Buffer | null {
    const length = this.#frameInScratch(bytes, offset, size, tag);
    const n = Math.max(0, native.write(this.#fd, scratch, 0, length));
    // Partly written: the rest must outlive the scratch buffer.
    return n === length ? null : Buffer.from(scratch.subarray(n, length));
  }

  async #writeFrame(bytes: Uint8Array, offset: number, size: number): Promise<void> {
    this.#checkOpen();
    if (size > MAX_MESSAGE) throw frameTooLong(size);
    if (size <= COALESCE_LIMIT) {
      const rest = this.#writeSmallFrameNow(bytes, offset, size, -1);
      if (rest !== null) await this.#writeAll(rest);
      return;
    }
    const head = Buffer.allocUnsafe(HEADER);
    head.writeUInt32LE(size, 0);
    await this.#writeAll(head);
    await this.#writeAll(bytes.subarray(offset, offset + size));
  }

  #writeAll(bytes: Uint8Array): Promise<void> {
    return this.#async(this.#writeAllSteps(bytes, 0, bytes.length));
  }

  // ---- receiving ----

  recv(): Promise<unknown> {
    return this.#readFrame(Infinity, this.#loadFrame);
  }

  recvSync(): unknown {
    return this.#load(this.#readFrameSync(Infinity));
  }

  recvBytes(limit: number): Promise<Buffer> {
    return this.#readFrame(limit, asIs);
  }

  readonly #loadFrame = (frame: Buffer): unknown => this.#load(frame);

  /**
   * Reads one frame and gives it to `load` inside the read turn: a message's
   * fds follow its frame, so no other read may start before load() took them.
   */
  #readFrame<T>(limit: number, load: (frame: Buffer) => T): Promise<T> {
    if (this.#readTurn.idle) {
      // Nothing queued ahead: take a message that is already there without
      // the waiting machinery (a frame only partly there is finished async).
      try {
        const frame = this.#readFrameNow(limit, (rest) =>
          this.#readTurn.run(async () => load(await this.#async(rest))),
        );
        if (frame !== null) return frame instanceof Promise ? frame : Promise.resolve(load(frame));
      } catch (err) {
        return Promise.reject(err);
      }
    }
    return this.#readTurn.run(async () => load(await this.#async(this.#readFrameSteps(limit))));
  }

  recvBytesSync(limit: number): Buffer {
    return this.#readFrameSync(limit);
  }

  recvBytesInto(target: Uint8Array): Promise<number> {
    return this.#readTurn.run(() => this.#async(this.#readIntoSteps(target)));
  }

  recvBytesIntoSync(target: Uint8Array): number {
    return this.#sync(this.#readIntoSteps(target));
  }

  poll(limit: Timeout): Promise<boolean> {
    if (native.poll([this.#fd], READABLE, 0).length > 0) return Promise.resolve(true);
    if (limit === 0) return Promise.resolve(false);
    return whenReady(this.#fd, READABLE, { timeout: limit, keep: true });
  }

  pollSync(limit: Timeout): boolean {
    return readableSync([this.#fd], limit).length > 0;
  }

  /**
   * Reads a frame without waiting: the frame, a promise of its rest (a frame
   * only partly there, finished in the read turn), or null when not one byte
   * was there (nothing consumed).
   */
  #readFrameNow<R>(limit: number, finish: (rest: IoSteps<Buffer>) => R): Buffer | R | null {
    const n = native.read(this.#fd, this.#header, 0, HEADER);
    if (n < 0) return null;
    if (n === 0) throw endOfFile(false);
    if (n < HEADER) return finish(this.#readFrameSteps(limit, n));
    const size = this.#header.readUInt32LE(0);
    if (size > limit) return finish(this.#discardSteps(size, limit));
    const body = receiveBuffer(size);
    const got = size === 0 ? 0 : native.read(this.#fd, body, 0, size);
    if (got === 0 && size > 0) throw endOfFile(true);
    const done = Math.max(0, got);
    if (done === size) return this.#checkedFrame(body, limit);
    return finish(this.#restOfBodySteps(body, done, limit));
  }

  /** Reads a frame blocking the thread; a frame already there is read without the step machinery. */
  #readFrameSync(limit: number): Buffer {
    // The spin looks by reading: a look that finds the frame has read it too.
    const frame = spinSync(() => this.#readFrameNow(limit, this.#sync) ?? NOT_READY, this.#readSpins);
    return frame !== NOT_READY ? frame : this.#sync(this.#readFrameSteps(limit));
  }

  *#restOfBodySteps(body: Buffer, done: number, limit: number): IoSteps<Buffer> {
    yield* this.#readExactSteps(body, done, body.length - done, true);
    return this.#checkedFrame(body, limit);
  }

  #checkedFrame(body: Buffer, limit: number): Buffer {
    if (body.length > limit) throw messageTooLong(body.length, limit);
    return body;
  }

  /** Reads one frame; `headerDone` bytes of its header are already in this.#header. */
  *#readFrameSteps(limit: number, headerDone = 0): IoSteps<Buffer> {
    yield* this.#readExactSteps(this.#header, headerDone, HEADER - headerDone, headerDone > 0);
    const size = this.#header.readUInt32LE(0);
    if (size > limit) return yield* this.#discardSteps(size, limit);
    const body = yield* this.#readBodySteps(size);
    return this.#checkedFrame(body, limit);
  }

  /**
   * Reads past a frame longer than `limit` (the stream stays in step) through a
   * small scratch buffer, never the size its header claims: a peer cannot make
   * us allocate gigabytes by saying so. Then throws ERR_MESSAGE_TOO_LONG.
   */
  *#discardSteps(size: number, limit: number): IoSteps<never> {
    const scratch = Buffer.allocUnsafe(Math.min(size, DISCARD_CHUNK));
    for (let left = size; left > 0; left -= Math.min(left, scratch.length)) {
      yield* this.#readExactSteps(scratch, 0, Math.min(left, scratch.length), true);
    }
    throw messageTooLong(size, limit);
  }

  *#readIntoSteps(target: Uint8Array): IoSteps<number> {
    yield* this.#readExactSteps(this.#header, 0, HEADER, false);
    const size = this.#header.readUInt32LE(0);
    if (size > target.length) throw tooShort(yield* this.#readBodySteps(size), target.length);
    yield* this.#readExactSteps(target, 0, size, true);
    return size;
  }

  *#readBodySteps(size: number): IoSteps<Buffer> {
    const body = receiveBuffer(size);
    yield* this.#readExactSteps(body, 0, size, true);
    return body;
  }

  *#readExactSteps(into: Uint8Array, offset: number, size: number, midMessage: boolean): IoSteps<void> {
    let done = 0;
    while (done < size) {
      this.#checkOpen();
      const n = native.read(this.#fd, into, offset + done, size - done);
      if (n === 0) throw endOfFile(midMessage || done > 0);
      if (n < 0) yield READABLE;
      else done += n;
    }
  }

  *#writeAllSteps(bytes: Uint8Array, done: number, length: number): IoSteps<void> {
    while (done < length) {
      this.#checkOpen();
      const n = native.write(this.#fd, bytes, done, length - done);
      if (n < 0) yield WRITABLE;
      else done += n;
    }
  }

  /** Runs an I/O algorithm blocking the thread while the fd is not ready. */
  readonly #sync = <T>(steps: IoSteps<T>): T => runSync(steps, this.#blockUntilReady);

  /** Runs an I/O algorithm waiting on the event loop while the fd is not ready. */
  #async<T>(steps: IoSteps<T>): Promise<T> {
    return runAsync(steps, this.#whenReady);
  }

  #checkOpen(): void {
    if (this.#fd < 0) throw connectionClosed();
  }

  /** For forkserver/spawn: the child gets a copy of the fd. */
  reduced(): { state: Record<string, unknown>; fds: number[] } {
    this.#checkOpen();
    return { state: {}, fds: [this.#fd] };
  }
}

// A socket's default send buffer (208 KiB on Linux) splits a 1 MiB message
// into five fills, each a sleep and a wake-up of the side that waits; with room
// for a whole large message a transfer is one write and one read (measured on
// the 2-core VM with both sides sleeping in poll(2): 2.5-3.2 -> 4.6-5.8 GB/s).
// The kernel caps the request (net.core.wmem_max, 208 KiB on many distributions).
const SOCKET_SEND_BUFFER = 2 * 1024 * 1024;

/** A connection over a connected AF_UNIX stream socket, with room to send a large message whole. */
export function socketConnection(fd: number): FdConnection {
  native.setSendBuffer(fd, SOCKET_SEND_BUFFER);
  return new FdConnection(fd);
}

/** A connected pair: duplex over a socketpair; one-way [read end, write end] over a pipe. */
export function fdPipe(duplex: boolean): [FdConnection, FdConnection] {
  if (!duplex) return native.pipe().map((fd) => new FdConnection(fd)) as [FdConnection, FdConnection];
  const [a, b] = native.socketpair();
  return [socketConnection(a), socketConnection(b)];
}

// ---- wait() over connections, sentinels and fds ----

function fdOf(object: unknown): number {
  if (typeof object === 'number') return object;
  if (typeof (object as { fileno?: unknown }).fileno === 'function') return (object as { fileno(): number }).fileno();
  if (typeof (object as { sentinel?: unknown }).sentinel === 'number') return (object as { sentinel: number }).sentinel;
  throw notWaitable();
}

export async function waitOnFds(objects: unknown[], limit: Timeout): Promise<number[]> {
  const fds = objects.map(fdOf);
  const readyNow = native.poll(fds, READABLE, 0);
  if (readyNow.length > 0 || objects.length === 0 || limit === 0) return readyNow;
  const controller = new AbortController();
  const waits = fds.map((fd) =>
    whenReady(fd, READABLE, { timeout: limit, signal: controller.signal, duplicate: true }).catch(() => false),
  );
  await Promise.race(waits);
  controller.abort();
  return native.poll(fds, READABLE, 0);
}

export function waitOnFdsSync(objects: unknown[], limit: Timeout): number[] {
  return readableSync(objects.map(fdOf), limit);
}
