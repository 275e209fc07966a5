// The portable backend: plain Node, no addon (lib/kernel.ts). Children are
// started with the spawn start method; process-shared state lives in one
// broker process per process tree (broker/), reached through runtime.ts.
import type { Kernels } from '../../kernel';
import { CodedError } from '../../errors';
import { portableProcessKernels } from './processes';

export const portableKernels: Kernels = {
  backend: 'portable',
  startMethods: ['spawn'],
  startMethod: (name) => {
    // Loaded on first use, as the posix start methods are: it brings the child's description code.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose; typed through typeof import()
    if (name === 'spawn') return (require('./spawn') as typeof import('./spawn')).portableSpawnStartMethod;
    throw new CodedError(
      'ERR_BACKEND_UNSUPPORTED',
      `the '${name}' start method is not available in the portable backend yet`,
    );
  },
  processes: portableProcessKernels,
  // Loaded on first use: it brings the broker runtime.
  get sync() {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose
    return (require('./sync') as typeof import('./sync')).portableSyncKernels;
  },
  get memory() {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose
    return (require('./memory') as typeof import('./memory')).portableMemoryKernels;
  },
  get queues() {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded with the first queue
    return (require('./queues') as typeof import('./queues')).brokerQueues;
  },
  get connections() {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded with the first connection
    return (require('./connections') as typeof import('./connections')).brokerConnections;
  },
};
