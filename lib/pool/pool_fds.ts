// How sockets and raw file descriptors in a pool task's arguments reach the
// worker that runs it. A task's args go through a shared-memory queue, which
// cannot carry fds, so each worker also has a unix socketpair (its fd channel):
// the pool sends a task's fds there with SCM_RIGHTS just before it queues the
// task, and the worker reads them when it reaches the task.
import type net from 'node:net';
import { backend, kernels } from '../backend';
import type { FdPassing } from '../kernels/processes';
import { CodedError } from '../errors';
import { reduce, registerRebuilder, type Reduced } from '../reduction';

const FD_MARKER = '__posixMultiprocessingPassedFd';

interface FdMarker {
  [FD_MARKER]: number;
  socket: boolean;
}

/** A raw file descriptor to hand to a pool worker: it arrives there as a number (the worker's own copy). */
export class PassFd {
  constructor(readonly fd: number) {
    fdPassing();
    if (!Number.isInteger(fd) || fd < 0)
      throw new CodedError(
        'ERR_INVALID_ARG_VALUE',
        `passFd needs a file descriptor (an integer >= 0), got ${String(fd)}`,
      );
  }
}

/** Marks `fd` to be handed to the worker that runs the task (its args are otherwise cloned). */
export function passFd(fd: number): PassFd {
  return new PassFd(fd);
}

/** The posix kernel's fd passing; ERR_BACKEND_UNSUPPORTED under portable, where no fd crosses. */
export function fdPassing(): FdPassing {
  const posix = kernels().processes.posix;
  if (posix !== null) return posix.fdPassing;
  throw new CodedError(
    'ERR_BACKEND_UNSUPPORTED',
    `handing a socket or a file descriptor (passFd) to a pool worker needs the posix backend, and this process ` +
      `runs the portable one (backend() is '${backend()}'), which cannot pass descriptors between processes. ` +
      'Send the data instead, or have the worker open the file or connect (Listener/Client) itself.',
  );
}

// node:net is loaded when an argument could be a socket, not with the library:
// it is ~1 ms of every process's start, and most never pass a socket.
let netModule: typeof net | undefined;
function loadNet(): typeof net {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (netModule ??= require('node:net') as typeof net);
}

function isSocket(value: unknown): value is net.Socket {
  return typeof value === 'object' && value !== null && !(value instanceof PassFd) && value instanceof loadNet().Socket;
}

function socketFd(socket: net.Socket): number {
  const fd = (socket as unknown as { _handle?: { fd?: number } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) {
    throw new CodedError(
      'ERR_INVALID_ARG_VALUE',
      'cannot hand this socket to a pool worker: it has no file descriptor (closed, or not connected yet)',
    );
  }
  return fd;
}

/**
 * Replaces sockets and PassFd objects among the top-level `args` by markers
 * and returns duplicates of their fds (so the caller may close its own copy at
 * once), or null when there are none.
 */
export function takeFds(args: unknown[]): { args: unknown[]; fds: number[] } | null {
  let fds: number[] | null = null;
  const replaced = args.map((arg) => {
    const socket = isSocket(arg);
    if (!socket && !(arg instanceof PassFd)) return arg;
    fds ??= [];
    fds.push(fdPassing().dup(socket ? socketFd(arg) : (arg as PassFd).fd));
    return { [FD_MARKER]: fds.length - 1, socket } satisfies FdMarker;
  });
  return fds === null ? null : { args: replaced, fds };
}

/** Sends a task's fds to its worker and closes the pool's duplicates. */
export function sendFds(channel: number, seq: number, fds: number[]): void {
  try {
    fdPassing().send(channel, Buffer.from(String(seq)), fds);
  } finally {
    closeFds(fds);
  }
}

export function closeFds(fds: number[]): void {
  const passing = fdPassing();
  for (const fd of fds) {
    try {
      passing.close(fd);
    } catch {
      /* already closed */
    }
  }
}

/** In the worker: the fds sent for task `seq` (they arrive in task order). */
export function receiveFds(channel: number, seq: number): number[] {
  const message = fdPassing().receive(channel);
  if (!message)
    throw new CodedError('ERR_POOL_FD_CHANNEL', "the pool closed the fd channel before sending a task's fds");
  const got = Number(message.data.toString());
  if (got !== seq) {
    closeFds(message.fds);
    throw new CodedError('ERR_POOL_FD_CHANNEL', `fds for task ${got} arrived while task ${seq} was expected`);
  }
  return message.fds;
}

/** In the worker: puts a working net.Socket (or the fd number) where each marker is. */
export function restoreFds(args: unknown[], fds: number[]): unknown[] {
  return args.map((arg) => {
    if (typeof arg !== 'object' || arg === null || !(FD_MARKER in arg)) return arg;
    const marker = arg as FdMarker;
    const fd = fds[marker[FD_MARKER]];
    return marker.socket ? new (loadNet().Socket)({ fd, readable: true, writable: true }) : fd;
  });
}

/** An fd in a worker's start-up arguments (the worker's end of its fd channel). */
export class ChannelEnd {
  constructor(readonly fd: number) {}

  [reduce](): Reduced {
    return { kind: 'PoolChannelEnd', state: null, fds: [this.fd] };
  }
}

registerRebuilder('PoolChannelEnd', (_state, fds: number[]) => new ChannelEnd(fds[0]));
