// The posix listener kernel: an AF_UNIX socket bound to a filesystem path.
// Accepted and connected ends are ordinary FdConnections over sockets (socketConnection).
import { makePrivateDirectory, removePrivateDirectory } from '../../internal/private_directory';
import fs from 'node:fs';
import path from 'node:path';
import { native } from '../../internal/native';
import { READABLE, whenReady } from '../../wait/fd_readiness';
import { ownPid } from '../../internal/current_process';
import { atLibraryExit } from '../../internal/exit_tasks';
import { runTwinAsync, runTwinSync, type Twin, type TwinSteps } from '../../wait/steps';
import { listenerClosed, listenerClosedWhileAccepting } from '../../connection/connection_errors';
import { socketConnection, type FdConnection } from './connection';
import type { ListenerEnd } from '../connections';

// connect() retries a connect that found the listener's backlog full, backing off up to this.
const MAX_CONNECT_BACKOFF_MS = 50;

const openListeners = new Set<UnixListener>();
// Python's Finalize: a listener left open still removes its socket file at exit.
atLibraryExit(() => {
  for (const listener of [...openListeners]) listener.close();
});

/** A fresh socket path in a private directory (removed again by close()). */
function privateAddress(): { dir: string; address: string } {
  const dir = makePrivateDirectory('listener');
  return { dir, address: path.join(dir, 'socket') };
}

/** Adds the address to a failed socket call's message, keeping code, errno and syscall. */
function withAddress(err: unknown, address: string): unknown {
  if (err instanceof Error && typeof (err as NodeJS.ErrnoException).syscall === 'string') {
    err.message = `${err.message} '${address}'`;
  }
  return err;
}

export class UnixListener implements ListenerEnd {
  #fd: number;
  readonly #address: string;
  readonly #ownedDir: string | null;
  readonly #creatorPid = ownPid();
  readonly #closing = new AbortController();

  /** Binds `address` (a filesystem path that must not exist yet), or (null) a fresh private path. */
  constructor(address: string | null, backlog: number) {
    if (address === null) {
      const fresh = privateAddress();
      this.#ownedDir = fresh.dir;
      this.#address = fresh.address;
    } else {
      this.#ownedDir = null;
      this.#address = address;
    }
    try {
      this.#fd = native.unixListen(this.#address, backlog);
    } catch (err) {
      if (this.#ownedDir) removePrivateDirectory(this.#ownedDir);
      throw withAddress(err, this.#address);
    }
    openListeners.add(this);
  }

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

  accept(): Promise<FdConnection> {
    return runTwinAsync(this.#acceptSteps());
  }

  acceptSync(): FdConnection {
    return runTwinSync(this.#acceptSteps());
  }

  *#acceptSteps(): TwinSteps<FdConnection> {
    for (;;) {
      this.#checkOpen();
      const fd = native.unixAccept(this.#fd);
      if (fd >= 0) return socketConnection(fd);
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

  close(): void {
    if (this.#fd < 0) return;
    this.#closing.abort(listenerClosedWhileAccepting());
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
    if (this.#ownedDir) removePrivateDirectory(this.#ownedDir);
  }

  #checkOpen(): void {
    if (this.#fd < 0) throw listenerClosed(this.#address);
  }
}

export function unixConnect(address: string): Promise<FdConnection> {
  return runTwinAsync(connectSteps(address));
}

export function unixConnectSync(address: string): FdConnection {
  return runTwinSync(connectSteps(address));
}

function* connectSteps(address: string): TwinSteps<FdConnection> {
  let backoff = 1;
  for (;;) {
    let fd: number;
    try {
      fd = native.unixConnect(address);
    } catch (err) {
      throw withAddress(err, address);
    }
    if (fd >= 0) return socketConnection(fd);
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
