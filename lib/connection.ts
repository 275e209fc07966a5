// Pipe() and Connection (Python's multiprocessing.connection). A Connection
// checks arguments, encodes values on its channel (lib/reduction.ts) and keeps
// Python's names; moving the framed messages is the backend's connection
// kernel (lib/kernels/connections.ts): non-blocking fds under posix, a
// broker-relayed pipe under portable.
import { kernels } from './backend';
import { CodedError, CodedTypeError, EOFError } from './errors';
import { channelById, channels, dump, reduce, registerRebuilder, type Channel, type Reduced } from './reduction';
import { toTimeout } from './wait/timeout';
import type { ConnectionEnd } from './kernels/connections';
import { connectionClosed } from './connection/connection_errors';

export interface ConnectionOptions {
  readable?: boolean;
  writable?: boolean;
  /** @internal What carries the messages (Pipe's socketpair can carry fds); default: a Listener/Client connection. */
  channel?: Channel;
  /** @internal The kernel end to wrap instead of `fd` (Pipe, Listener, Client, rebuilders). */
  end?: ConnectionEnd;
}

// The kernel end of a Connection, for wait() (set in the class's static block).
let endOf: (conn: Connection) => ConnectionEnd;

export class Connection<T = unknown> {
  readonly #end: ConnectionEnd;
  readonly #readable: boolean;
  readonly #writable: boolean;
  readonly #channel: Channel;

  static {
    endOf = (conn) => conn.#end;
  }

  /** Wraps an fd this Connection now owns (closes it in close()). */
  constructor(fd: number, opts: ConnectionOptions = {}) {
    if (opts.end === undefined && (!Number.isInteger(fd) || fd < 0))
      throw new CodedTypeError(
        'ERR_INVALID_ARG_TYPE',
        `Connection(fd): fd must be a non-negative integer, got ${String(fd)}`,
      );
    this.#readable = opts.readable ?? true;
    this.#writable = opts.writable ?? true;
    this.#channel = opts.channel ?? channels.connection;
    if (!this.#readable && !this.#writable)
      throw new CodedError('ERR_INVALID_ARG_VALUE', 'at least one of readable or writable must be true');
    this.#end = opts.end ?? kernels().connections.fromFd(fd);
  }

  get closed(): boolean {
    return this.#end.closed;
  }
  get readable(): boolean {
    return this.#readable;
  }
  get writable(): boolean {
    return this.#writable;
  }

  fileno(): number {
    return this.#end.fileno();
  }

  close(): void {
    this.#end.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  // ---- sending ----

  /** Sends any structured-cloneable value (refused with ERR_UNCLONABLE before anything is written). */
  send(obj: unknown): Promise<void> {
    this.#checkWritable();
    // dump() throws when refused: nothing written (the manager client relies on it).
    return this.#end.send(dump(obj, this.#channel));
  }

  sendSync(obj: unknown): void {
    this.#checkWritable();
    this.#end.sendSync(dump(obj, this.#channel));
  }

  /** Sends bytes buf[offset, offset + size) as one message. */
  sendBytes(buf: ArrayBufferView, offset = 0, size?: number): Promise<void> {
    this.#checkWritable();
    return this.#end.sendBytes(sendRange(buf, offset, size));
  }

  sendBytesSync(buf: ArrayBufferView, offset = 0, size?: number): void {
    this.#checkWritable();
    this.#end.sendBytesSync(sendRange(buf, offset, size));
  }

  // ---- receiving ----

  /** The next value sent with send(); EOFError once the other end is closed everywhere. */
  recv(): Promise<T> {
    this.#checkReadable();
    return this.#end.recv() as Promise<T>;
  }

  recvSync(): T {
    this.#checkReadable();
    return this.#end.recvSync() as T;
  }

  /** The next message as bytes; a message longer than maxlength is discarded with ERR_MESSAGE_TOO_LONG. */
  recvBytes(maxlength?: number): Promise<Buffer> {
    this.#checkReadable();
    return this.#end.recvBytes(checkMaxLength(maxlength));
  }

  recvBytesSync(maxlength?: number): Buffer {
    this.#checkReadable();
    return this.#end.recvBytesSync(checkMaxLength(maxlength));
  }

  /** Reads the next message into buf at offset; returns its size. BufferTooShort (holding the message) when it does not fit. */
  recvBytesInto(buf: ArrayBufferView, offset = 0): Promise<number> {
    this.#checkReadable();
    return this.#end.recvBytesInto(intoRange(buf, offset));
  }

  recvBytesIntoSync(buf: ArrayBufferView, offset = 0): number {
    this.#checkReadable();
    return this.#end.recvBytesIntoSync(intoRange(buf, offset));
  }

  /**
   * Whether a message (or end of file) is ready to read. `timeout` in ms:
   * omitted returns at once (as in Python), null or Infinity waits until one is.
   */
  poll(timeout: number | null = 0): Promise<boolean> {
    try {
      const limit = toTimeout(timeout, 'Connection.poll()');
      this.#checkReadable();
      return this.#end.poll(limit);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  pollSync(timeout: number | null = 0): boolean {
    const limit = toTimeout(timeout, 'Connection.pollSync()');
    this.#checkReadable();
    return this.#end.pollSync(limit);
  }

  /** Yields received values until the other end is closed. */
  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    for (;;) {
      try {
        yield await this.recv();
      } catch (err) {
        if (err instanceof EOFError) return;
        throw err;
      }
    }
  }

  // ---- checks ----

  #checkOpen(): void {
    if (this.#end.closed) throw connectionClosed();
  }

  #checkReadable(): void {
    this.#checkOpen();
    if (!this.#readable)
      throw new CodedError(
        'ERR_CONNECTION_NOT_READABLE',
        'this end of a one-way Pipe is write-only: receive on the other end',
      );
  }

  #checkWritable(): void {
    this.#checkOpen();
    if (!this.#writable)
      throw new CodedError(
        'ERR_CONNECTION_NOT_WRITABLE',
        'this end of a one-way Pipe is read-only: send on the other end',
      );
  }

  /** For forkserver/spawn: the child gets the end (under posix, a copy of the fd). */
  [reduce](): Reduced {
    this.#checkOpen();
    const { state, fds } = this.#end.reduced();
    return {
      kind: 'Connection',
      state: { ...state, readable: this.#readable, writable: this.#writable, channel: this.#channel.id },
      fds,
    };
  }
}

type ConnectionState = Record<string, unknown> & { readable: boolean; writable: boolean; channel: string };
registerRebuilder(
  'Connection',
  (state: ConnectionState, fds: number[]) =>
    new Connection(-1, {
      readable: state.readable,
      writable: state.writable,
      channel: channelById(state.channel),
      end: kernels().connections.attach(state, fds),
    }),
);

/**
 * A connected pair. duplex (default): both ends send and receive (socketpair).
 * One-way: [receiving end, sending end] over a pipe.
 */
export function Pipe<T = unknown>(duplex = true): [Connection<T>, Connection<T>] {
  const [a, b] = kernels().connections.pipe(duplex);
  if (duplex) {
    const channel = channels.socketPipe;
    return [new Connection<T>(-1, { channel, end: a }), new Connection<T>(-1, { channel, end: b })];
  }
  const channel = channels.oneWayPipe;
  return [
    new Connection<T>(-1, { writable: false, channel, end: a }),
    new Connection<T>(-1, { readable: false, channel, end: b }),
  ];
}

// ---- wait() over connections, sentinels and fds ----

export type Waitable = Connection | number | { sentinel: number } | { fileno(): number };

/** What the kernel waits on: a Connection's end, anything else as given. */
const waitableOf = (object: Waitable): unknown => (object instanceof Connection ? endOf(object) : object);

/**
 * The objects that are ready (a connection with a message or at end of file, a
 * sentinel whose process ended), waiting up to `timeout` ms (undefined or null:
 * forever) for at least one. An empty array when the timeout ends first.
 */
export async function wait<W extends Waitable>(objects: W[], timeout?: number | null): Promise<W[]> {
  const limit = toTimeout(timeout, 'wait()');
  const ready = await kernels().connections.wait(objects.map(waitableOf), limit);
  return ready.map((i) => objects[i]);
}

export function waitSync<W extends Waitable>(objects: W[], timeout?: number | null): W[] {
  const limit = toTimeout(timeout, 'waitSync()');
  return kernels()
    .connections.waitSync(objects.map(waitableOf), limit)
    .map((i) => objects[i]);
}

// ---- argument checks ----

function sendRange(buf: ArrayBufferView, offset: number, size: number | undefined): Uint8Array {
  if (!ArrayBuffer.isView(buf))
    throw new CodedTypeError('ERR_INVALID_ARG_TYPE', 'sendBytes(buf): buf must be a Buffer, TypedArray or DataView');
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  if (!Number.isInteger(offset) || offset < 0)
    throw new CodedError('ERR_OUT_OF_RANGE', `sendBytes: offset must be a non-negative integer, got ${offset}`);
  if (offset > bytes.length)
    throw new CodedError(
      'ERR_OUT_OF_RANGE',
      `sendBytes: offset ${offset} is past the buffer's end (${bytes.length} bytes)`,
    );
  const length = size ?? bytes.length - offset;
  if (!Number.isInteger(length) || length < 0)
    throw new CodedError('ERR_OUT_OF_RANGE', `sendBytes: size must be a non-negative integer, got ${size}`);
  if (offset + length > bytes.length)
    throw new CodedError(
      'ERR_OUT_OF_RANGE',
      `sendBytes: offset + size (${offset + length}) is past the buffer's end (${bytes.length} bytes)`,
    );
  return bytes.subarray(offset, offset + length);
}

function intoRange(buf: ArrayBufferView, offset: number): Uint8Array {
  if (!ArrayBuffer.isView(buf))
    throw new CodedTypeError(
      'ERR_INVALID_ARG_TYPE',
      'recvBytesInto(buf): buf must be a Buffer, TypedArray or DataView',
    );
  const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
  if (!Number.isInteger(offset) || offset < 0 || offset > bytes.length) {
    throw new CodedError(
      'ERR_OUT_OF_RANGE',
      `recvBytesInto: offset must be an integer from 0 to ${bytes.length}, got ${offset}`,
    );
  }
  return bytes.subarray(offset);
}

function checkMaxLength(maxlength: number | undefined): number {
  if (maxlength === undefined || maxlength === null) return Infinity;
  if (!Number.isInteger(maxlength) || maxlength < 0)
    throw new CodedError('ERR_OUT_OF_RANGE', `recvBytes: maxlength must be a non-negative integer, got ${maxlength}`);
  return maxlength;
}
