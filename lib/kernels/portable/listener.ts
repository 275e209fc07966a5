// The portable Listener and Client: sockets held by this process's I/O
// thread (io/sockets.ts), unix socket paths or Windows named pipes
// (listener_address.ts). Accepted and connected ends are RelayedConnections.
import path from 'node:path';
import { portableProcessKernels } from './processes';
import { CodedError } from '../../errors';
import { call, callSync } from './crossing_sends';
import { listenerClosed, listenerClosedWhileAccepting } from '../../connection/connection_errors';
import { RelayedConnection } from './connection';
import type { ListenerEnd } from '../connections';

const openListeners = new Set<SocketListener>();
let closingAtExit = false;

/** A listener left open still removes its socket file when the process exits (Python's Finalize). */
function closeAtExit(listener: SocketListener): void {
  openListeners.add(listener);
  if (closingAtExit) return;
  closingAtExit = true;
  process.on('exit', () => {
    for (const open of [...openListeners]) open.close();
  });
}

export class SocketListener implements ListenerEnd {
  readonly #id: number;
  readonly #address: string;
  #closed = false;
  readonly #closing = new AbortController();
  readonly #ifClosed = (err: unknown): never => {
    throw this.#closed ? listenerClosedWhileAccepting() : err;
  };

  /** The private directory the I/O thread made for a fresh address; null for the caller's own or a pipe name. */
  readonly #directory: string | null;

  constructor(address: string | null, backlog: number) {
    const [id, bound] = callSync('socket.listen', [address, backlog]) as [number, string];
    this.#id = id;
    this.#address = bound;
    this.#directory = address === null && process.platform !== 'win32' ? path.dirname(bound) : null;
    if (this.#directory !== null) portableProcessKernels.removeWithTree(this.#directory);
    closeAtExit(this);
  }

  get address(): string {
    return this.#address;
  }

  get closed(): boolean {
    return this.#closed;
  }

  fileno(): number {
    this.#checkOpen();
    throw new CodedError('ERR_BACKEND_UNSUPPORTED', 'a Listener of the portable backend has no file descriptor');
  }

  accept(): Promise<RelayedConnection> {
    if (this.#closed) return Promise.reject(listenerClosed(this.#address));
    return call('socket.accept', [this.#id], { signal: this.#closing.signal }).then(
      (id) => new RelayedConnection('socket', id as number),
      this.#ifClosed,
    );
  }

  acceptSync(): RelayedConnection {
    this.#checkOpen();
    return new RelayedConnection('socket', callSync('socket.accept', [this.#id]) as number);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    openListeners.delete(this);
    this.#closing.abort();
    callSync('socket.closeListener', [this.#id]);
    if (this.#directory !== null) portableProcessKernels.forgetDirectory(this.#directory);
  }

  #checkOpen(): void {
    if (this.#closed) throw listenerClosed(this.#address);
  }
}

export async function socketConnect(address: string): Promise<RelayedConnection> {
  return new RelayedConnection('socket', (await call('socket.connect', [address])) as number);
}

export function socketConnectSync(address: string): RelayedConnection {
  return new RelayedConnection('socket', callSync('socket.connect', [address]) as number);
}
