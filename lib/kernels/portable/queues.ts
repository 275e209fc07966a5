// The portable queue kernel: items held by the broker (to come with the portable runtime).
import { CodedError } from '../../errors';
import type { QueueKernels } from '../queues';

const notYet = (): never => {
  throw new CodedError('ERR_BACKEND_UNSUPPORTED', 'Queue is not available in the portable backend yet');
};

export const brokerQueues: QueueKernels = { create: notYet, attach: notYet };
