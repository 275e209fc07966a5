// Listener and Client (Python's multiprocessing.connection): connections
// between unrelated processes. Where they meet is the backend's (an AF_UNIX
// socket path under posix; unix socket paths or Windows named pipes under
// portable: lib/kernels/connections.ts). Both ends get an ordinary Connection
// (length-framed messages); with an authkey both sides first prove they hold
// it (lib/connection/connection_auth.ts).
import { kernels } from '../backend';
import { Connection } from '../connection';
import { acceptHandshake, connectHandshake, HANDSHAKE_TIMEOUT_MS } from './connection_auth';
import { toTimeout, type Timeout } from '../wait/timeout';
import { runTwinAsync, runTwinSync, type Twin, type TwinSteps } from '../wait/steps';
import { CodedError, CodedTypeError } from '../errors';
import { reduce, type Channel, type Reduced } from '../reduction';
import { listenerClosed } from './connection_errors';
import type { ConnectionEnd, ListenerEnd } from '../kernels/connections';

export interface ListenerOptions {
  /** Peers must prove they hold the same key (HMAC-SHA256 challenge in both directions). */
  authkey?: Buffer | Uint8Array | null;
  /** How many connections may wait to be accepted (listen(2)'s backlog); default 128. */
  backlog?: number;
  /** With an authkey: ms a client may take over the handshake before accept() drops it (default 10000; null or Infinity: no limit). */
  handshakeTimeout?: number | null;
}

export interface ClientOptions {
  authkey?: Buffer | Uint8Array | null;
  /** With an authkey: ms the listener may take over the handshake (default 10000; null or Infinity: no limit). */
  handshakeTimeout?: number | null;
  /** @internal What the connection carries, for refusals (a manager's client: values stored in the manager). */
  channel?: Channel;
}

function checkAuthkey(authkey: unknown, where: string): Buffer | null {
  if (authkey === undefined || authkey === null) return null;
  if (!(authkey instanceof Uint8Array))
    throw new CodedTypeError('ERR_INVALID_ARG_TYPE', `${where}: authkey must be a Buffer or Uint8Array`);
  if (authkey.length === 0) throw new CodedError('ERR_INVALID_ARG_VALUE', `${where}: authkey must not be empty`);
  return Buffer.from(authkey);
}

function checkAddress(address: unknown, where: string): string {
  if (typeof address !== 'string' || address.length === 0) {
    throw new CodedTypeError(
      'ERR_INVALID_ARG_TYPE',
      `${where}: address must be a non-empty filesystem path, got ${String(address)}`,
    );
  }
  return address;
}

function handshakeTimeoutOf(value: unknown, where: string): Timeout {
  return value === undefined ? HANDSHAKE_TIMEOUT_MS : toTimeout(value, `${where}: handshakeTimeout`);
}

export class Listener {
  readonly #end: ListenerEnd;
  readonly #authkey: Buffer | null;
  readonly #handshakeTimeout: Timeout;
  readonly #accepted: Twin<unknown>;

  /** Binds `address` (a filesystem path that must not exist yet), or a fresh private path. */
  constructor(address?: string | null, opts: ListenerOptions = {}) {
    if (typeof opts !== 'object' || opts === null)
      throw new CodedTypeError(
        'ERR_INVALID_ARG_TYPE',
        'new Listener(address, opts): opts must be an object like { authkey }',
      );
    this.#authkey = checkAuthkey(opts.authkey, 'new Listener()');
    this.#handshakeTimeout = handshakeTimeoutOf(opts.handshakeTimeout, 'new Listener()');
    const backlog = opts.backlog ?? 128;
    if (!Number.isInteger(backlog) || backlog < 1)
      throw new CodedError(
        'ERR_INVALID_ARG_VALUE',
        `new Listener(): backlog must be a positive integer, got ${backlog}`,
      );
    const where = address === undefined || address === null ? null : checkAddress(address, 'new Listener()');
    const end = kernels().connections.listen(where, backlog);
    this.#end = end;
    this.#accepted = { sync: () => end.acceptSync(), async: () => end.accept() };
  }

  /** Where Client() connects (a socket's filesystem path, or a Windows pipe name). */
  get address(): string {
    return this.#end.address;
  }

  get closed(): boolean {
    return this.#end.closed;
  }

  fileno(): number {
    return this.#end.fileno();
  }

  /** The next connection, waiting on the event loop; with an authkey, after both challenges pass. */
  accept<T = unknown>(): Promise<Connection<T>> {
    return runTwinAsync(this.#acceptSteps<T>());
  }

  /** accept() blocking the calling thread. */
  acceptSync<T = unknown>(): Connection<T> {
    return runTwinSync(this.#acceptSteps<T>());
  }

  *#acceptSteps<T>(): TwinSteps<Connection<T>> {
    if (this.#end.closed) throw listenerClosed(this.#end.address);
    const end = (yield this.#accepted) as ConnectionEnd;
    return yield* authenticated(new Connection<T>(-1, { end }), this.#authkey, (conn, key) =>
      acceptHandshake(conn, key, this.#handshakeTimeout),
    );
  }

  /** Stops listening and removes the socket file (pending accepts reject with ERR_LISTENER_CLOSED). */
  close(): void {
    this.#end.close();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** Refused: a child under forkserver/spawn would get an empty object. */
  [reduce](): Reduced {
    throw new CodedError(
      'ERR_UNCLONABLE',
      `a Listener cannot be sent to another process: send its address ('${this.#end.address}') and call Client() there, ` +
        'or use the fork start method, whose children inherit it',
    );
  }
}

/** Connects to a Listener's address; with an authkey, both challenges must pass (else AuthenticationError). */
export async function Client<T = unknown>(address: string, opts: ClientOptions = {}): Promise<Connection<T>> {
  checkAddress(address, 'Client()');
  const timeout = handshakeTimeoutOf(opts?.handshakeTimeout, 'Client()');
  return runTwinAsync(clientSteps<T>(address, checkAuthkey(opts?.authkey, 'Client()'), timeout, opts.channel));
}

/** Client() blocking the calling thread. */
export function clientSync<T = unknown>(address: string, opts: ClientOptions = {}): Connection<T> {
  checkAddress(address, 'clientSync()');
  const timeout = handshakeTimeoutOf(opts?.handshakeTimeout, 'clientSync()');
  return runTwinSync(clientSteps<T>(address, checkAuthkey(opts?.authkey, 'clientSync()'), timeout, opts.channel));
}

function* clientSteps<T>(
  address: string,
  authkey: Buffer | null,
  handshakeTimeout: Timeout,
  channel: Channel | undefined,
): TwinSteps<Connection<T>> {
  const connections = kernels().connections;
  const end = (yield {
    sync: () => connections.connectSync(address),
    async: () => connections.connect(address),
  }) as ConnectionEnd;
  return yield* authenticated(new Connection<T>(-1, { channel, end }), authkey, (conn, key) =>
    connectHandshake(conn, key, handshakeTimeout),
  );
}

/** The connection once the handshake (with an authkey) has passed; closed if it fails. */
function* authenticated<T>(
  conn: Connection<T>,
  authkey: Buffer | null,
  handshake: (conn: Connection, authkey: Buffer) => TwinSteps<void>,
): TwinSteps<Connection<T>> {
  if (!authkey) return conn;
  try {
    yield* handshake(conn, authkey);
    return conn;
  } catch (err) {
    conn.close();
    throw err;
  }
}
