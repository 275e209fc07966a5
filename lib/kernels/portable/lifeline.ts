// A spawned child of the portable backend ends with its parent: its fd 3 is a
// pipe whose other end only the parent holds (io/process_service.ts). The
// OS closes that end when the parent ends for any reason, SIGKILL included,
// and the child's I/O thread, seeing EOF, sends the child SIGTERM: the same
// signal and the same promptness as the posix parent-death signal, even while
// the child's main thread is busy in a CPU loop.
import { call } from './runtime';

/** The child's fd that carries its description, then stays open as its lifeline. */
export const LIFELINE_FD = 3;

let lifeline: number | null = null;

/** In a spawned child: the lifeline fd, once the description has been read from it. */
export function adoptLifeline(fd: number): void {
  lifeline = fd;
}

/** Makes this process end (SIGTERM) when the process that started it ends; false without a lifeline. */
export function endWithParentLifeline(): boolean {
  if (lifeline === null) return false;
  // A call, not a send: a send would make this process flush it through the broker at exit.
  // At once: the target may start a CPU loop in this same job.
  call('process.watchLifeline', [lifeline], { atOnce: true }).catch(() => {
    // the I/O thread did not start: nothing can watch, as without the parent-death signal
  });
  lifeline = null;
  return true;
}
