// The kernel seam: the OS-facing operations a backend provides (lib/backend.ts
// picks one). The public classes (Process, Lock, Queue, Connection,
// SharedMemory, ...) check arguments, keep Python's semantics and names, and
// cross process boundaries through lib/reduction.ts; everything that touches
// the OS goes through one of these kernels. A backend is one object of this
// type, in lib/kernels/<backend>/index.ts; adding a backend adds kernels and
// changes no public class.
import type { BackendName } from './backend';
import type { StartMethod, StartMethodName } from './context';
import type { ProcessKernels } from './kernels/processes';
import type { SyncKernels } from './kernels/sync';
import type { MemoryKernels } from './kernels/memory';
import type { QueueKernels } from './kernels/queues';
import type { ConnectionKernels } from './kernels/connections';

export interface Kernels {
  readonly backend: BackendName;
  /** The start methods this backend has, the default first. */
  readonly startMethods: readonly StartMethodName[];
  /** The launcher of one of startMethods (loaded on first use). */
  startMethod(name: StartMethodName): StartMethod;
  readonly processes: ProcessKernels;
  /** Lock ... Barrier (lib/synchronize.ts). */
  readonly sync: SyncKernels;
  /** SharedMemory, Value/Array (lib/shared_memory.ts, lib/sharedctypes.ts). */
  readonly memory: MemoryKernels;
  /** Queue, JoinableQueue, SimpleQueue (lib/queues.ts). */
  readonly queues: QueueKernels;
  /** Pipe, Connection, wait(), Listener, Client (lib/connection.ts, lib/connection/listener.ts). */
  readonly connections: ConnectionKernels;
}
