// The public names of posix-multiprocessing (docs/api.md).
import * as posix from './posix';

export { posix };
export { CodedError, ProcessError, type ErrorCode } from './errors';
export { Empty, Full, EOFError, BufferTooShort } from './errors';
export { Pipe, Connection, wait, waitSync, type ConnectionOptions, type Waitable } from './connection';
export { BaseProcess, activeChildren, cpuCount, type ProcessOptions } from './process';
export { Process, currentProcess, parentProcess, getContext, ParentProcess, type Context } from './context';
export { isMainProcess } from './internal/current_process';
export { getStartMethod, setStartMethod, getAllStartMethods, type StartMethodName } from './context';
export { backend, type BackendName } from './backend';
export { Queue, JoinableQueue, SimpleQueue, type PutOptions, type GetOptions, type QueueOptions } from './queues';
export { SharedMemory, type SharedMemoryOptions } from './shared_memory';
export {
  Value,
  RawValue,
  Array,
  RawArray,
  type SharedOptions,
  type SharedType,
  type SharedArray,
  type SharedLock,
} from './sharedctypes';
export { Lock, RLock, Semaphore, BoundedSemaphore, Condition, Event, Barrier } from './synchronize';
export type { AcquireOptions } from './synchronize';
export { BrokenBarrierError, AbortError } from './errors';
export {
  Pool,
  type PoolOptions,
  type MapOptions,
  type TaskOptions,
  type ApplyOptions,
  type ImapOptions,
  type PoolStats,
} from './pool';
export { AsyncResult, type ResultCallbacks } from './pool/async_result';
export { passFd, PassFd } from './pool/pool_fds';
export { TimeoutError, WorkerLostError } from './errors';
export { Listener, Client, clientSync, type ListenerOptions, type ClientOptions } from './connection/listener';
export { AuthenticationError } from './errors';
export { Manager, ManagerSync, SyncManager, type ManagerOptions } from './managers';
export { DictProxy, ListProxy, NamespaceProxy, type Namespace } from './managers/proxies';
export type { DictKey } from './managers/managed_objects';

// The first copy of the library loaded in a process is the one every entry returns (lib/internal/package_entry.ts).
import * as library from './index';
import { LIBRARY_INSTANCE, LIBRARY_SUBPATHS, type LibrarySubpaths } from './internal/library_instance';

const registry = globalThis as { [LIBRARY_INSTANCE]?: object; [LIBRARY_SUBPATHS]?: LibrarySubpaths };
if (registry[LIBRARY_INSTANCE] === undefined) {
  registry[LIBRARY_INSTANCE] = library;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  registry[LIBRARY_SUBPATHS] = { futures: () => require('./futures') };
}
