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
    throw new CodedError(
      'ERR_BACKEND_UNSUPPORTED',
      `the '${name}' start method is not available in the portable backend yet`,
    );
  },
  processes: portableProcessKernels,
};
