// Reaping the children this library starts without blocking the event loop and
// without waitpid(-1), which would steal child_process's children (design.md,
// fact 6). On Linux a pidfd becomes readable when the child ends and a libuv
// poll handle watches it; elsewhere a timer polls waitpid(pid, WNOHANG).
import { native, type NativeFdWatch, type NativeWaitStatus } from './native';
import { registerAfterForkInChild } from './after_fork';

interface PendingExit {
  promise: Promise<NativeWaitStatus>;
  cancel(): void;
}

const pending = new Map<number, PendingExit>();
let pidfdUnsupported = process.platform !== 'linux';

/** Resolves with the child's wait status once it has ended and been reaped. */
export function waitForExit(pid: number): Promise<NativeWaitStatus> {
  const existing = pending.get(pid);
  if (existing) return existing.promise;
  const entry = pidfdUnsupported ? watchByPolling(pid) : watchByPidfd(pid);
  pending.set(pid, entry);
  entry.promise.then(() => pending.delete(pid), () => pending.delete(pid));
  return entry.promise;
}

function reapNow(pid: number): NativeWaitStatus | null {
  const status = native.waitpid(pid, native.WNOHANG);
  return status.pid === pid ? status : null;
}

function watchByPidfd(pid: number): PendingExit {
  let pidfd: number;
  try {
    pidfd = native.pidfdOpen(pid);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSYS') throw err;
    pidfdUnsupported = true;
    return watchByPolling(pid);
  }
  let watch: NativeFdWatch | null = null;
  const release = (): void => {
    watch?.stop();
    watch = null;
    if (pidfd >= 0) native.close(pidfd);
    pidfd = -1;
  };
  const promise = new Promise<NativeWaitStatus>((resolve, reject) => {
    watch = new native.FdWatch(pidfd, () => {
      release();
      try {
        const status = reapNow(pid);
        if (status) resolve(status);
        else reject(new Error(`pidfd for ${pid} became readable but waitpid() found no exit status`));
      } catch (err) {
        reject(err);
      }
    });
  });
  return { promise, cancel: release };
}

function watchByPolling(pid: number): PendingExit {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<NativeWaitStatus>((resolve, reject) => {
    let delay = 1;
    const poll = (): void => {
      try {
        const status = reapNow(pid);
        if (status) return resolve(status);
      } catch (err) {
        return reject(err);
      }
      delay = Math.min(delay * 2, 50);
      timer = setTimeout(poll, delay);
    };
    poll();
  });
  return { promise, cancel: () => clearTimeout(timer) };
}

// A forked child inherits its parent's watches; they are not its children.
registerAfterForkInChild(() => {
  for (const entry of pending.values()) entry.cancel();
  pending.clear();
});
