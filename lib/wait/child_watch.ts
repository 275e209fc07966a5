// Reaping the children this library starts without blocking the event loop and
// without waitpid(-1), which would steal child_process's children (design.md,
// fact 6). On Linux a pidfd becomes readable when the child ends and a libuv
// poll handle watches it; elsewhere a timer polls waitpid(pid, WNOHANG).
// Every reap goes through here, so a synchronous waitpid and an async watch of
// the same child never race for its status.
import { native, type NativeFdWatch, type NativeWaitStatus } from '../internal/native';
import { registerWaitsToDropInChild } from '../child/after_fork';

interface ExitWatch {
  promise: Promise<NativeWaitStatus>;
  settle(status: NativeWaitStatus): void;
  fail(err: unknown): void;
  keepAlive(on: boolean): void;
  cancel(): void;
}

const watches = new Map<number, ExitWatch>();
let pidfdUnsupported = process.platform !== 'linux';

/**
 * Resolves with the child's wait status once it has ended and been reaped.
 * A watch keeps the event loop alive unless `keepAlive(pid, false)` says otherwise.
 */
export function waitForExit(pid: number): Promise<NativeWaitStatus> {
  let watch = watches.get(pid);
  if (!watch) {
    watch = pidfdUnsupported ? watchByPolling(pid) : watchByPidfd(pid);
    watches.set(pid, watch);
  }
  return watch.promise;
}

export function keepAlive(pid: number, on: boolean): void {
  watches.get(pid)?.keepAlive(on);
}

/** waitpid for one child (blocking or WNOHANG); settles any pending watch with the status. */
export function reap(pid: number, block: boolean): NativeWaitStatus | null {
  const status = native.waitpid(pid, block ? 0 : native.WNOHANG);
  if (status.pid !== pid) return null;
  watches.get(pid)?.settle(status);
  return status;
}

function makeWatch(pid: number, release: () => void, setRef: (on: boolean) => void): ExitWatch {
  let resolve!: (status: NativeWaitStatus) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<NativeWaitStatus>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {}); // a rejection is reported to whoever awaits the watch
  let settled = false;
  const finish = (): void => {
    settled = true;
    release();
    watches.delete(pid);
  };
  const fail = (err: unknown): void => {
    if (settled) return;
    finish();
    reject(err);
  };
  return {
    promise,
    settle(status) {
      if (settled) return;
      finish();
      resolve(status);
    },
    fail,
    keepAlive: setRef,
    // Abandoned (in a forked child): release the fd, and never settle, since
    // whoever awaits it belongs to the parent's code.
    cancel: () => {
      if (!settled) finish();
    },
  };
}

function watchByPidfd(pid: number): ExitWatch {
  let pidfd: number;
  try {
    pidfd = native.pidfdOpen(pid);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSYS') throw err;
    pidfdUnsupported = true;
    return watchByPolling(pid);
  }
  let fdWatch: NativeFdWatch | null = null;
  const watch = makeWatch(
    pid,
    () => {
      fdWatch?.stop();
      fdWatch = null;
      if (pidfd >= 0) native.close(pidfd);
      pidfd = -1;
    },
    (on) => (on ? fdWatch?.ref() : fdWatch?.unref()),
  );
  fdWatch = new native.FdWatch(pidfd, () => {
    try {
      if (!reap(pid, false))
        watch.fail(new Error(`pidfd for ${pid} became readable but waitpid() found no exit status`));
    } catch (err) {
      watch.fail(err);
    }
  });
  return watch;
}

function watchByPolling(pid: number): ExitWatch {
  let timer: NodeJS.Timeout | undefined;
  let referenced = true;
  const watch = makeWatch(
    pid,
    () => clearTimeout(timer),
    (on) => {
      referenced = on;
      if (on) timer?.ref();
      else timer?.unref();
    },
  );
  let delay = 1;
  const poll = (): void => {
    try {
      if (reap(pid, false)) return;
    } catch (err) {
      return watch.fail(err);
    }
    delay = Math.min(delay * 2, 50);
    timer = setTimeout(poll, delay);
    if (!referenced) timer.unref();
  };
  poll();
  return watch;
}

// A forked child inherits its parent's watches; they are not its children.
registerWaitsToDropInChild(() => {
  for (const watch of [...watches.values()]) watch.cancel();
  watches.clear();
});
