// The posix processes kernel (lib/kernels/processes.ts): the addon's pids,
// signals, pidfds, parent-death signal and fd passing.
import { native } from '../../internal/native';
import type { FdPassing, PosixProcessCalls, ProcessKernels } from '../processes';
import {
  assertForkSafe,
  forkImpossibleReason,
  forkUnsafeReason,
  startedSingleThreaded,
} from '../../internal/fork_safety';
import { becomeForkedChild, exitForkedChild, prepareParentForFork } from '../../child/forked_child';
import { makeStdioBlocking } from '../../internal/stdio';
import { onProcessExit } from './pid_watch';
import { trackResource, untrackResource } from '../../resource_tracker';

const SIGTERM = 15;

/**
 * A child never outlives the process that started it: when that process dies
 * (SIGKILL included) the kernel sends this child SIGTERM, which ends it even in
 * a CPU loop, where a watch on the event loop would never run. Under forkserver
 * the kernel watches the server, which itself dies with the process it serves.
 * Where the kernel cannot (macOS), or the parent died before we armed it, the
 * parent's pid is watched instead.
 */
function endWithParent(parentPid: number, osParentPid: number): void {
  const terminateSelf = (): void => {
    process.kill(process.pid, 'SIGTERM');
  };
  if (!native.setParentDeathSignal(SIGTERM)) {
    onProcessExit(parentPid, terminateSelf);
  } else if (native.getppid() !== osParentPid) {
    terminateSelf(); // the parent died between our fork and the line above
  }
}

const fdPassing: FdPassing = {
  socketpair: () => native.socketpair(),
  dup: (fd) => native.dup(fd),
  close: (fd) => native.close(fd),
  setBlocking: (fd) => native.setNonBlocking(fd, false),
  send: (socket, data, fds) => native.sendMessage(socket, data, fds),
  receive: (socket) => native.recvMessage(socket),
};

const posixCalls: PosixProcessCalls = {
  fork(adviceMode) {
    prepareParentForFork();
    const pid = native.fork(adviceMode);
    if (pid === 0) becomeForkedChild();
    return pid;
  },
  forkUnsafeReason,
  forkImpossibleReason,
  startedSingleThreaded,
  assertForkSafe,
  makeStdioBlocking,
  waitpid: (pid, options) => native.waitpid(pid, options),
  pipe: () => native.pipe(),
  getppid: () => native.getppid(),
  kill: (pid, signal) => native.kill(pid, signal),
  exit: exitForkedChild,
  fdPassing,
};

export const posixProcessKernels: ProcessKernels = {
  getpid: () => native.getpid(),
  watchExit: onProcessExit,
  endWithParent,
  // The resource tracker lives outside the tree, so it outlives a SIGKILL of all of it.
  removeWithTree: (directory) => trackResource('dir', directory),
  forgetDirectory: (directory) => untrackResource('dir', directory),
  tuneMallocForLargeMessages: () => native.tuneMallocForLargeMessages(),
  posix: posixCalls,
};
