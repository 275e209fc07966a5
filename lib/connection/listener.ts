// Listener and Client (Python's multiprocessing.connection): connections
// between unrelated processes over an AF_UNIX socket bound to a filesystem
// path. Both ends get an ordinary Connection (length-framed messages); with an
// authkey both sides first prove they hold it (lib/connection/connection_auth.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { native } from '../internal/native';
import { Connection } from '../connection';
import { acceptHandshake, connectHandshake } from './connection_auth';
import { runTwinAsync, runTwinSync, type Twin, type TwinSteps } from '../wait/steps';
import { CodedError, CodedTypeError } from '../errors';
import { READABLE, whenReady } from '../wait/fd_readiness';
import { ownPid } from '../internal/current_process';
import { atLibraryExit } from '../internal/exit_tasks';
import { reduce, type Channel, type Reduced } from '../reduction';

export interface ListenerOptions {
  /** Peers must prove they hold the same key (HMAC-SHA256 challenge in both directions). */
  authkey?: Buffer | Uint8Array | null;
  /** How many connections may wait to be accepted (listen(2)'s backlog); default 128. */
  backlog?: number;
}

export interface ClientOptions {
  authkey?: Buffer | Uint8Array | null;
  /** @internal What the connection carries, for refusals (a manager's client: values stored in the manager). */
  channel?: Channel;
}

// Client retries a connect that found the listener's backlog full, backing off up to this.
const MAX_CONNECT_BACKOFF_MS = 50;

const openListeners = new Set<Listener>();
// Python's Finalize: a listener left open still removes its socket file at exit.
atLibraryExit(() => {
  for (const listener of [...openListeners]) listener.close();
});

/** A fresh socket path in a private directory (removed again by close()). */
function privateAddress(): { dir: string; address: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmp-listener-'));
  return { dir, address: path.join(dir, 'socket') };
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

/** Adds the address to a failed socket call's message, keeping code, errno and syscall. */
function withAddress(err: unknown, address: string): unknown {
  if (err instanceof Error && typeof (err as NodeJS.ErrnoException).syscall === 'string') {
    err.message = `${err.message} '${address}'`;
  }
  return err;
}

export class Listener {
  #fd: number;
  readonly #address: string;
  readonly #authkey: Buffer | null;
  readonly #ownedDir: string | null;
  readonly #creatorPid = ownPid();
  readonly #closing = new AbortController();

  /** Binds `address` (a filesystem path that must not exist yet), or a fresh private path. */
  constructor(address?: string | null, opts: ListenerOptions = {}) {
    if (typeof opts !== 'object' || opts === null)
      throw new CodedTypeError(
        'ERR_INVALID_ARG_TYPE',
        'new Listener(address, opts): opts must be an object like { authkey }',
      );
    this.#authkey = checkAuthkey(opts.authkey, 'new Listener()');
    const backlog = opts.backlog ?? 128;
    if (!Number.isInteger(backlog) || backlog < 1)
      throw new CodedError(
        'ERR_INVALID_ARG_VALUE',
        `new Listener(): backlog must be a positive integer, got ${backlog}`,
      );
    if (address === undefined || address === null) {
      const fresh = privateAddress();
      this.#ownedDir = fresh.dir;
      this.#address = fresh.address;
    } else {
      this.#ownedDir = null;
      this.#address = checkAddress(address, 'new Listener()');
    }
    try {
      this.#fd = native.unixListen(this.#address, backlog);
    } catch (err) {
      if (this.#ownedDir) fs.rmSync(this.#ownedDir, { recursive: true, force: true });
      throw withAddress(err, this.#address);
    }
    openListeners.add(this);
  }

  /** The socket's filesystem path: give it to Client(). */
  get address(): string {
    return this.#address;
  }

  get closed(): boolean {
    return this.#fd < 0;
  }

  fileno(): number {
    this.#checkOpen();
    return this.#fd;
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
    for (;;) {
      this.#checkOpen();
      const fd = native.unixAccept(this.#fd);
      if (fd >= 0) return yield* authenticated(new Connection<T>(fd), this.#authkey, acceptHandshake);
      yield this.#incoming;
    }
  }

  /** A connection is waiting to be accepted. */
  readonly #incoming: Twin<unknown> = {
    sync: () => native.poll([this.#fd], READABLE, -1),
    async: async () => {
      try {
        await whenReady(this.#fd, READABLE, { signal: this.#closing.signal });
      } catch (err) {
        // Closed while waiting: ERR_LISTENER_CLOSED (the abort's cause), not the AbortError.
        throw this.#closing.signal.aborted ? this.#closing.signal.reason : err;
      }
    },
  };

  /** Stops listening and removes the socket file (pending accepts reject with ERR_LISTENER_CLOSED). */
  close(): void {
    if (this.#fd < 0) return;
    this.#closing.abort(new CodedError('ERR_LISTENER_CLOSED', 'the listener was closed while accept() was waiting'));
    native.close(this.#fd);
    this.#fd = -1;
    openListeners.delete(this);
    // A forked child holds a copy of the socket; only its creator removes the path.
    if (ownPid() !== this.#creatorPid) return;
    try {
      fs.unlinkSync(this.#address);
    } catch {
      /* already removed */
    }
    if (this.#ownedDir) fs.rmSync(this.#ownedDir, { recursive: true, force: true });
  }

  [Symbol.dispose](): void {
    this.close();
  }

  /** Refused: a child under forkserver/spawn would get an empty object. */
  [reduce](): Reduced {
    throw new CodedError(
      'ERR_UNCLONABLE',
      `a Listener cannot be sent to another process: send its address ('${this.#address}') and call Client() there, ` +
        'or use the fork start method, whose children inherit it',
    );
  }

  #checkOpen(): void {
    if (this.#fd < 0) throw new CodedError('ERR_LISTENER_CLOSED', `the listener on '${this.#address}' is closed`);
  }
}

/** Connects to a Listener's address; with an authkey, both challenges must pass (else AuthenticationError). */
export async function Client<T = unknown>(address: string, opts: ClientOptions = {}): Promise<Connection<T>> {
  checkAddress(address, 'Client()');
  return runTwinAsync(clientSteps<T>(address, checkAuthkey(opts?.authkey, 'Client()'), opts.channel));
}

/** Client() blocking the calling thread. */
export function clientSync<T = unknown>(address: string, opts: ClientOptions = {}): Connection<T> {
  checkAddress(address, 'clientSync()');
  return runTwinSync(clientSteps<T>(address, checkAuthkey(opts?.authkey, 'clientSync()'), opts.channel));
}

function* clientSteps<T>(
  address: string,
  authkey: Buffer | null,
  channel: Channel | undefined,
): TwinSteps<Connection<T>> {
  let backoff = 1;
  for (;;) {
    let fd: number;
    try {
      fd = native.unixConnect(address);
    } catch (err) {
      throw withAddress(err, address);
    }
    if (fd >= 0) return yield* authenticated(new Connection<T>(fd, { channel }), authkey, connectHandshake);
    yield pause(backoff); // the listener's backlog is full: it has no readiness to wait for
    backoff = Math.min(backoff * 2, MAX_CONNECT_BACKOFF_MS);
  }
}

function pause(ms: number): Twin<unknown> {
  return {
    sync: () => native.poll([], READABLE, ms),
    async: () => new Promise((resolve) => setTimeout(resolve, ms)),
  };
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
