// The one small interface every start method implements (Python's Popen
// classes): a started child, its sentinel, and how to wait for and signal it.
import { readableSync } from '../wait/fd_readiness';
import type { Timeout } from '../wait/timeout';

export interface Popen {
  readonly pid: number;
  /** An fd that becomes readable when the child ends. */
  readonly sentinel: number;
  /** The exit code (n, or -signal) once the child has ended, else null. Never blocks. */
  poll(): number | null;
  /** Resolves with the exit code, or null after `timeout` ms (null: forever); never blocks the event loop. */
  wait(timeout: Timeout): Promise<number | null>;
  /** Blocks the thread until the child ends or `timeout` ms pass (null: forever). */
  waitSync(timeout: Timeout): number | null;
  signal(signal: 'SIGTERM' | 'SIGKILL'): void;
  /** Whether a running child keeps the parent's event loop alive (non-daemon children do). */
  keepAlive(on: boolean): void;
  /** Releases the sentinel and any other fds; the child must have ended. */
  close(): void;
}

export function exitCodeOf(status: { exitCode: number | null; signal: number | null }): number {
  return status.exitCode ?? -(status.signal ?? 0);
}

/** Sends `signal` to `pid`; a process that has already gone is not an error. */
export function signalIfAlive(pid: number, signal: 'SIGTERM' | 'SIGKILL'): void {
  try {
    process.kill(pid, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

/** Whether the sentinel `fd` becomes readable (the child ended) within `timeout` (null: forever); blocks the thread. */
export function sentinelReadable(fd: number, timeout: Timeout): boolean {
  return readableSync([fd], timeout).length > 0;
}
