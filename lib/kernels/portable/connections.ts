// The portable connection kernels: broker-relayed pipes (to come with the portable runtime).
import { CodedError } from '../../errors';
import type { ConnectionKernels } from '../connections';

const notYet = (): never => {
  throw new CodedError('ERR_BACKEND_UNSUPPORTED', 'connections are not available in the portable backend yet');
};

export const brokerConnections: ConnectionKernels = {
  pipe: notYet,
  fromFd: notYet,
  attach: notYet,
  wait: notYet,
  waitSync: notYet,
  listen: notYet,
  connect: notYet,
  connectSync: notYet,
};
