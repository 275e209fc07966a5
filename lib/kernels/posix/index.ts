// The posix backend: the addon's kernels (lib/kernel.ts).
import type { Kernels } from '../../kernel';
import type { StartMethod, StartMethodName } from '../../context';
import { posixProcessKernels } from './processes';
import { posixSyncKernels } from './synchronize';
import { posixMemoryKernels } from './shared_memory';

// Loaded on first use: each brings its own machinery (a server process, a spawner).
/* eslint-disable @typescript-eslint/no-require-imports -- lazy on purpose; typed through typeof import() */
const startMethodLoaders: Record<StartMethodName, () => StartMethod> = {
  fork: () => (require('../../popen/fork') as typeof import('../../popen/fork')).forkStartMethod,
  forkserver: () =>
    (require('../../popen/forkserver') as typeof import('../../popen/forkserver')).forkserverStartMethod,
  spawn: () => (require('../../popen/spawn') as typeof import('../../popen/spawn')).spawnStartMethod,
};
/* eslint-enable @typescript-eslint/no-require-imports */

export const posixKernels: Kernels = {
  backend: 'posix',
  startMethods: ['forkserver', 'fork', 'spawn'],
  startMethod: (name) => startMethodLoaders[name](),
  processes: posixProcessKernels,
  sync: posixSyncKernels,
  memory: posixMemoryKernels,
  get queues() {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded with the first queue
    return (require('./queues') as typeof import('./queues')).ringQueues;
  },
  get connections() {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded with the first connection
    return (require('./connections') as typeof import('./connections')).fdConnections;
  },
};
