// The portable synchronisation kernels: placeholder until the broker runtime lands.
import type { SyncKernels } from '../sync';
import { CodedError } from '../../errors';

function unsupported(): never {
  throw new CodedError('ERR_BACKEND_UNSUPPORTED', 'Lock ... Barrier are not available in the portable backend yet');
}

export const portableSyncKernels: SyncKernels = {
  lock: unsupported,
  semaphore: unsupported,
  condition: unsupported,
  event: unsupported,
  barrier: unsupported,
  attachLock: unsupported,
  attachSemaphore: unsupported,
  attachCondition: unsupported,
  attachEvent: unsupported,
  attachBarrier: unsupported,
};
