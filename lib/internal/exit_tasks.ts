// What the library does when a process ends (Python's util._exit_function):
// terminate daemon children, join the others, remove the socket files of
// listeners this process opened. Run from process 'exit' and, in a child of
// the fork start method, just before its _exit: that child leaves without the
// 'exit' event, whose other listeners are the parent's and not its own.
import { ownPid } from './current_process';
import { libraryListener } from '../child/after_fork';

const tasks: Array<() => void> = [];
let hooked = false;
let ranInPid = 0;

/** Runs `task` when this process (or a process forked from it) ends. Tasks must check whose resources they touch. */
export function atLibraryExit(task: () => void): void {
  tasks.push(task);
  if (!hooked) {
    hooked = true;
    process.on('exit', libraryListener(runLibraryExitTasks));
  }
}

/** Runs the exit tasks once per process. */
export function runLibraryExitTasks(): void {
  let pid: number;
  try {
    pid = ownPid();
  } catch {
    return; // the backend cannot load (PMP_BACKEND=posix without the addon): nothing of ours ran
  }
  if (ranInPid === pid) return;
  ranInPid = pid;
  for (const task of tasks) {
    try {
      task();
    } catch {
      // one failing task must not keep the others from running
    }
  }
}
