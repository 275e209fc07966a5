// The posix connection kernels (lib/kernels/connections.ts): fds all the way.
import type { ConnectionKernels } from '../connections';
import { FdConnection, fdPipe, waitOnFds, waitOnFdsSync } from './connection';
import { UnixListener, unixConnect, unixConnectSync } from './listener';

export const fdConnections: ConnectionKernels = {
  pipe: fdPipe,
  fromFd: (fd) => new FdConnection(fd),
  attach: (_state, fds) => new FdConnection(fds[0]),
  wait: waitOnFds,
  waitSync: waitOnFdsSync,
  listen: (address, backlog) => new UnixListener(address, backlog),
  connect: unixConnect,
  connectSync: unixConnectSync,
};
