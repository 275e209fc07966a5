// Python's multiprocessing.Manager(): a server process (lib/managers/manager_server.ts)
// holds dicts, lists and Namespaces that any process reaches through proxies
// (lib/managers/proxies.ts). Queues, locks, Values and the other synchronisation objects
// are the library's own process-shared objects instead of proxies: they already
// cross to children under every start method and are much faster than a round
// trip to a server.
import { makePrivateDirectory, removePrivateDirectory } from './internal/private_directory';
import path from 'node:path';
import { nodeCrypto } from './internal/node_crypto';
import { getContext, type Context, type Process } from './context';

import type { StartMethodName } from './context';
import { Pipe, type Connection } from './connection';
import { CodedError, CodedTypeError } from './errors';
import { toTimeout, type Timeout } from './wait/timeout';
import { ownPid } from './internal/current_process';
import { atLibraryExit } from './internal/exit_tasks';
import { managerServerMain, SERVER_OBJECT } from './managers/manager_server';
import { callManager, callManagerSync, forgetManager, type ManagerRef } from './managers/manager_client';
import { entriesOf, makeProxy, type DictProxy, type ListProxy, type Namespace } from './managers/proxies';
import type { DictKey } from './managers/managed_objects';
import { Queue, JoinableQueue, type QueueOptions } from './queues';
import { Lock, RLock, Semaphore, BoundedSemaphore, Condition, Event, Barrier } from './synchronize';
import { Value, Array_, type SharedOptions, type SharedType } from './sharedctypes';
import { reduce, type Reduced } from './reduction';

export interface ManagerOptions {
  /** The start method (or a Context) for the server process; default: the current start method. */
  context?: Context | StartMethodName | null;
  /** Milliseconds to wait for the server to listen (default 60000). */
  startTimeout?: number | null;
}

const DEFAULT_START_TIMEOUT_MS = 60_000;
// After SIGTERM, how long shutdown() waits before SIGKILL.
const SHUTDOWN_GRACE_MS = 5_000;

type ReadyMessage = { ok: true; pid: number } | { ok: false; error: Error };

let managerCounter = 0;
const runningManagers = new Set<SyncManager>();
// Daemon children (the servers) are stopped by the process exit handler; this
// removes what a server killed with SIGKILL could not.
atLibraryExit(() => {
  for (const manager of runningManagers) manager.removeSocketDir();
});

interface Launch {
  manager: SyncManager;
  ready: Connection<ReadyMessage>;
  timeout: Timeout;
}

function launch(opts: ManagerOptions): Launch {
  if (typeof opts !== 'object' || opts === null)
    throw new CodedTypeError('ERR_INVALID_ARG_TYPE', 'Manager(opts): opts must be an object like { context }');
  const ctx =
    typeof opts.context === 'string' || opts.context == null ? getContext(opts.context ?? null) : opts.context;
  // A start that may not wait at all is a mistake, not a poll: refused.
  if (typeof opts.startTimeout === 'number' && opts.startTimeout < 0) {
    throw new CodedError(
      'ERR_INVALID_ARG_VALUE',
      `Manager(): startTimeout must be a non-negative number of ms, got ${opts.startTimeout}`,
    );
  }
  const timeout = toTimeout(opts.startTimeout ?? DEFAULT_START_TIMEOUT_MS, 'Manager(): startTimeout');
  const dir = makePrivateDirectory('manager');
  const address = path.join(dir, 'socket');
  const authkey = nodeCrypto().randomBytes(32);
  const [ready, readyForServer] = Pipe<ReadyMessage>(false);
  const proc = new ctx.Process({
    target: managerServerMain,
    args: [{ address, dir, authkey, ready: readyForServer }],
    daemon: true,
    name: `SyncManager-${++managerCounter}`,
  });
  try {
    proc.start();
  } catch (err) {
    ready.close();
    readyForServer.close();
    removePrivateDirectory(dir);
    throw err;
  }
  readyForServer.close(); // the server holds its own copy: EOF on `ready` means it died
  return { manager: new SyncManager({ address, authkey }, dir, proc), ready, timeout };
}

function startFailed(launched: Launch, why: string): CodedError {
  const { manager } = launched;
  manager.killServer();
  manager.removeSocketDir();
  return new CodedError(
    'ERR_MANAGER_START_FAILED',
    `the manager's server process (pid ${manager.pid}) did not start: ${why}`,
  );
}

function finishLaunch(launched: Launch, message: ReadyMessage | null): SyncManager {
  launched.ready.close();
  if (message === null) throw startFailed(launched, `it did not listen within ${launched.timeout} ms`);
  if (!message.ok) throw startFailed(launched, message.error.message);
  runningManagers.add(launched.manager);
  return launched.manager;
}

function describeEarlyExit(err: unknown): string {
  return `it exited before listening (${(err as Error).message})`;
}

/**
 * Starts a manager's server process; resolves once it listens. The server is
 * started from a macrotask, never from the caller's promise chain: under fork
 * the server then runs on a nested turn of the loop inside that callback
 * (lib/child/run_forked.ts), as Pool's workers do.
 */
export async function Manager(opts: ManagerOptions = {}): Promise<SyncManager> {
  const launched = await new Promise<Launch>((resolve, reject) => {
    setImmediate(() => {
      try {
        resolve(launch(opts));
      } catch (err) {
        reject(err);
      }
    });
  });
  let message: ReadyMessage | null = null;
  try {
    if (await launched.ready.poll(launched.timeout)) message = await launched.ready.recv();
  } catch (err) {
    launched.ready.close();
    throw startFailed(launched, describeEarlyExit(err));
  }
  return finishLaunch(launched, message);
}

/**
 * Manager() blocking the calling thread until the server listens.
 */
export function ManagerSync(opts: ManagerOptions = {}): SyncManager {
  const launched = launch(opts);
  let message: ReadyMessage | null = null;
  try {
    if (launched.ready.pollSync(launched.timeout)) message = launched.ready.recvSync();
  } catch (err) {
    launched.ready.close();
    throw startFailed(launched, describeEarlyExit(err));
  }
  return finishLaunch(launched, message);
}

/**
 * A running manager (Python's SyncManager). dict(), list() and Namespace()
 * create objects in the server and return proxies; the other factories return
 * the library's own process-shared objects.
 */
export class SyncManager {
  readonly #ref: ManagerRef;
  readonly #dir: string;
  readonly #process: Process;
  readonly #creatorPid = ownPid();
  #shutDown = false;

  /** @internal Made by Manager() / ManagerSync(). */
  constructor(ref: ManagerRef, dir: string, proc: Process) {
    this.#ref = ref;
    this.#dir = dir;
    this.#process = proc;
  }

  /** The server's socket path. */
  get address(): string {
    return this.#ref.address;
  }

  /** The server process's pid. */
  get pid(): number | undefined {
    return this.#process.pid;
  }

  // ---- objects held by the server ----

  /** A dict (Map semantics, primitive keys) held by the server, optionally filled from init. */
  async dict<K extends DictKey = DictKey, V = unknown>(
    init?: Map<K, V> | Iterable<readonly [K, V]> | Record<string, V>,
  ): Promise<DictProxy<K, V>> {
    return makeProxy(
      'dict',
      this.#ref,
      await this.#create('dict', init === undefined ? [] : entriesOf(init)),
    ) as DictProxy<K, V>;
  }

  dictSync<K extends DictKey = DictKey, V = unknown>(
    init?: Map<K, V> | Iterable<readonly [K, V]> | Record<string, V>,
  ): DictProxy<K, V> {
    return makeProxy(
      'dict',
      this.#ref,
      this.#createSync('dict', init === undefined ? [] : entriesOf(init)),
    ) as DictProxy<K, V>;
  }

  async list<T = unknown>(init?: Iterable<T>): Promise<ListProxy<T>> {
    return makeProxy(
      'list',
      this.#ref,
      await this.#create('list', init === undefined ? [] : [...init]),
    ) as ListProxy<T>;
  }

  listSync<T = unknown>(init?: Iterable<T>): ListProxy<T> {
    return makeProxy('list', this.#ref, this.#createSync('list', init === undefined ? [] : [...init])) as ListProxy<T>;
  }

  async Namespace(init: Record<string, unknown> = {}): Promise<Namespace> {
    return makeProxy('Namespace', this.#ref, await this.#create('Namespace', { ...init })) as Namespace;
  }

  NamespaceSync(init: Record<string, unknown> = {}): Namespace {
    return makeProxy('Namespace', this.#ref, this.#createSync('Namespace', { ...init })) as Namespace;
  }

  // ---- the library's own process-shared objects (no server round trips) ----

  Value<V extends number | bigint = number>(type: SharedType, initial?: V, opts?: SharedOptions) {
    return Value<V>(type, initial, opts);
  }
  Array(
    type: SharedType,
    sizeOrValues: number | ArrayLike<number | bigint> | Iterable<number | bigint>,
    opts?: SharedOptions,
  ) {
    return Array_(type, sizeOrValues, opts);
  }
  Queue<T = unknown>(maxsize = 0, opts?: QueueOptions): Queue<T> {
    return new Queue<T>(maxsize, opts);
  }
  JoinableQueue<T = unknown>(maxsize = 0, opts?: QueueOptions): JoinableQueue<T> {
    return new JoinableQueue<T>(maxsize, opts);
  }
  Lock(): Lock {
    return new Lock();
  }
  RLock(): RLock {
    return new RLock();
  }
  Semaphore(value = 1): Semaphore {
    return new Semaphore(value);
  }
  BoundedSemaphore(value = 1): BoundedSemaphore {
    return new BoundedSemaphore(value);
  }
  Condition(lock?: Lock | RLock): Condition {
    return new Condition(lock);
  }
  Event(): Event {
    return new Event();
  }
  Barrier(parties: number, opts?: { action?: () => void; timeout?: number | null }): Barrier {
    return new Barrier(parties, opts);
  }

  // ---- lifetime ----

  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and removes its socket. Later calls through proxies throw ERR_MANAGER_GONE. */
  async shutdown(): Promise<void> {
    if (!this.#beginShutdown()) return;
    try {
      this.#process.terminate();
      await this.#process.join(SHUTDOWN_GRACE_MS);
      if (this.#process.exitcode === null) {
        this.#process.kill();
        await this.#process.join();
      }
    } catch {
      // already gone
    }
    this.removeSocketDir();
  }

  /** shutdown() blocking the calling thread. */
  shutdownSync(): void {
    if (!this.#beginShutdown()) return;
    try {
      this.#process.terminate();
      this.#process.joinSync(SHUTDOWN_GRACE_MS);
      if (this.#process.exitcode === null) {
        this.#process.kill();
        this.#process.joinSync();
      }
    } catch {
      // already gone
    }
    this.removeSocketDir();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.shutdown();
  }
  [Symbol.dispose](): void {
    this.shutdownSync();
  }

  /** Refused: proxies cross to children, the manager (which owns the server) does not. */
  [reduce](): Reduced {
    throw new CodedError(
      'ERR_UNCLONABLE',
      'a SyncManager cannot be sent to another process: create the dicts, lists and Namespaces here and pass their proxies, ' +
        'or use the fork start method, whose children inherit it',
    );
  }

  /** @internal Used when start-up fails. */
  killServer(): void {
    try {
      this.#process.kill();
      this.#process.joinSync(SHUTDOWN_GRACE_MS);
    } catch {
      /* already gone */
    }
  }

  /** @internal The server removes its socket itself; this covers a server that was SIGKILLed. */
  removeSocketDir(): void {
    if (ownPid() !== this.#creatorPid) return;
    removePrivateDirectory(this.#dir);
  }

  #beginShutdown(): boolean {
    if (this.#shutDown) return false;
    if (ownPid() !== this.#creatorPid) {
      throw new CodedError(
        'ERR_MANAGER_NOT_OURS',
        `only the process that started the manager (pid ${this.#creatorPid}) can shut it down`,
      );
    }
    this.#shutDown = true;
    runningManagers.delete(this);
    forgetManager(this.#ref.address);
    return true;
  }

  #create(type: string, init: unknown): Promise<number> {
    return callManager(this.#ref, SERVER_OBJECT, 'create', [type, init]) as Promise<number>;
  }

  #createSync(type: string, init: unknown): number {
    return callManagerSync(this.#ref, SERVER_OBJECT, 'create', [type, init]) as number;
  }
}
