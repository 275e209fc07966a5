// The portable processes kernel (lib/kernels/processes.ts): plain Node, no
// addon. There is no fork, so process.pid is always right; a process that is
// not our child is watched by polling; a child ends with its parent through
// the lifeline pipe its parent holds (lifeline.ts).
import type { ProcessKernels } from '../processes';
import { endWithParentLifeline } from './lifeline';
import { processGone } from '../../wait/process_liveness';
import { callSync, send } from './runtime';

// How often a watched process is checked. Only ParentProcess.join() polls:
// children are watched by the spawn start method itself.
const POLL_MS = 100;

function watchExit(pid: number, callback: () => void): { cancel(): void } {
  const timer = setInterval(() => {
    if (!processGone(pid)) return;
    clearInterval(timer);
    callback();
  }, POLL_MS);
  timer.unref();
  return { cancel: () => clearInterval(timer) };
}

export const portableProcessKernels: ProcessKernels = {
  getpid: () => process.pid,
  watchExit,
  endWithParent(parentPid) {
    // Without a lifeline (not started by our spawn), watch the parent's pid.
    if (!endWithParentLifeline()) watchExit(parentPid, () => process.kill(process.pid, 'SIGTERM'));
  },
  // The broker outlives the tree's processes and removes what is left when it ends. Registering
  // waits for the broker: a process SIGKILLed right after must not have lost the registration.
  removeWithTree: (directory) => {
    callSync('treeDirectories.add', [directory]);
  },
  forgetDirectory: (directory) => send('treeDirectories.forget', [directory]),
  tuneMallocForLargeMessages: () => false,
  posix: null,
};
