// The portable backend: plain Node, no addon (lib/kernel.ts). Children are
// started with the spawn start method; process-shared state lives in one
// broker process per process tree (broker/), reached through runtime.ts.
import type { Kernels } from '../../kernel';
import { CodedError } from '../../errors';

export const portableKernels: Kernels = {
  backend: 'portable',
  startMethods: ['spawn'],
  startMethod: (name) => {
    throw new CodedError(
      'ERR_BACKEND_UNSUPPORTED',
      `the '${name}' start method is not available in the portable backend yet`,
    );
  },
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
