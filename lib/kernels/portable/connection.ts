// The portable connection end, relayed by a service: a Pipe end is a mailbox
// in the broker (broker/pipes.ts, service 'pipe'); a Listener/Client
// connection is a socket held by this process's I/O thread (io/sockets.ts,
// service 'socket'). A send is a one-way call, ordered after this process's
// earlier calls; a recv or poll is a call answered when a frame (or end of
// file) is there. The frames are those of the posix backend (tag byte + body,
// or the raw bytes of sendBytes), so recvBytes() of a send() reads the same.
import { setMaxListeners } from 'node:events';
import { call, callSync, send, sendAfterCrossing } from './crossing_sends';
import { CodedError } from '../../errors';
import { frameOf, type EncodedMessage } from '../../internal/codec';
import { loadFrame } from '../../reduction';
import type { Timeout } from '../../wait/timeout';
import { connectionClosed, tooShort } from '../../connection/connection_errors';
import { transferToken } from './held_token';
import type { ConnectionEnd } from '../connections';

/** Who relays an end's messages: the broker (Pipe) or this process's I/O thread (Listener/Client). */
export type Relay = 'pipe' | 'socket';

const releaseOnCollect = new FinalizationRegistry<[Relay, number]>(([relay, id]) => {
  try {
    send(`${relay}.release`, [id]);
  } catch {
    /* the process is ending */
  }
});

const asBuffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export class RelayedConnection implements ConnectionEnd {
  readonly relay: Relay;
  /** The end's id in its relay. */
  readonly id: number;
  #closed = false;
  /** Aborts this process's pending calls on the end when it closes. */
  readonly #closing = new AbortController();
  readonly #ifClosed = (err: unknown): never => {
    throw this.#closed ? connectionClosed() : err;
  };

  constructor(relay: Relay, id: number) {
    this.relay = relay;
    this.id = id;
    setMaxListeners(0, this.#closing.signal); // one listener per pending recv or poll
    releaseOnCollect.register(this, [relay, id], this);
  }

  get closed(): boolean {
    return this.#closed;
  }

  fileno(): number {
    this.#checkOpen();
    throw new CodedError(
      'ERR_BACKEND_UNSUPPORTED',
      'a Connection of the portable backend has no file descriptor: wait on the Connection itself with wait()',
    );
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    releaseOnCollect.unregister(this);
    this.#closing.abort();
    send(`${this.relay}.release`, [this.id]);
  }

  send(message: EncodedMessage): Promise<void> {
    this.sendSync(message);
    return Promise.resolve();
  }

  sendSync(message: EncodedMessage): void {
    this.sendBytesSync(frameOf(message));
  }

  sendBytes(bytes: Uint8Array): Promise<void> {
    this.sendBytesSync(bytes);
    return Promise.resolve();
  }

  sendBytesSync(bytes: Uint8Array): void {
    this.#checkOpen();
    send(`${this.relay}.send`, [this.id, bytes]);
  }

  recv(): Promise<unknown> {
    return this.recvBytes(Infinity).then(loadFrame);
  }

  recvSync(): unknown {
    return loadFrame(this.recvBytesSync(Infinity));
  }

  recvBytes(limit: number): Promise<Buffer> {
    return call(`${this.relay}.recv`, [this.id, limitOf(limit)], { signal: this.#closing.signal }).then(
      (bytes) => asBuffer(bytes as Uint8Array),
      this.#ifClosed,
    );
  }

  recvBytesSync(limit: number): Buffer {
    this.#checkOpen();
    return asBuffer(callSync(`${this.relay}.recv`, [this.id, limitOf(limit)]) as Uint8Array);
  }

  async recvBytesInto(target: Uint8Array): Promise<number> {
    return copyInto(await this.recvBytes(Infinity), target);
  }

  recvBytesIntoSync(target: Uint8Array): number {
    return copyInto(this.recvBytesSync(Infinity), target);
  }

  poll(limit: Timeout): Promise<boolean> {
    return call(`${this.relay}.wait`, [[this.id], limit], { signal: this.#closing.signal }).then(
      (ready) => (ready as number[]).length > 0,
      this.#ifClosed,
    );
  }

  pollSync(limit: Timeout): boolean {
    this.#checkOpen();
    return (callSync(`${this.relay}.wait`, [[this.id], limit]) as number[]).length > 0;
  }

  reduced(): { state: Record<string, unknown>; fds: number[] } {
    this.#checkOpen();
    if (this.relay === 'socket')
      throw new CodedError(
        'ERR_UNCLONABLE',
        "a Listener/Client connection of the portable backend belongs to its process's I/O thread and cannot " +
          'be passed to another process: call Client() there, or use a Pipe',
      );
    const token = transferToken();
    sendAfterCrossing('pipe.lend', [this.id, token]);
    return { state: { id: this.id, token }, fds: [] };
  }

  #checkOpen(): void {
    if (this.#closed) throw connectionClosed();
  }
}

const limitOf = (limit: number): number | null => (limit === Infinity ? null : limit);

function copyInto(message: Buffer, target: Uint8Array): number {
  if (message.length > target.length) throw tooShort(message, target.length);
  target.set(message);
  return message.length;
}

export function brokerPipe(): [RelayedConnection, RelayedConnection] {
  const [a, b] = callSync('pipe.create', []) as [number, number];
  return [new RelayedConnection('pipe', a), new RelayedConnection('pipe', b)];
}

export function attachedEnd(state: Record<string, unknown>): RelayedConnection {
  const { id, token } = state as { id: number; token: string };
  sendAfterCrossing('pipe.attach', [id, token]);
  return new RelayedConnection('pipe', id);
}
