// Calls back once a process that is not our child ends (a daemon child of the
// forkserver watching the process that started it). Linux: pidfd; elsewhere a
// timer checks kill(pid, 0).
import { native, type NativeFdWatch } from '../../internal/native';

export function onProcessExit(pid: number, callback: () => void): { cancel(): void } {
  if (process.platform === 'linux') {
    let pidfd: number;
    try {
      pidfd = native.pidfdOpen(pid);
    } catch {
      setImmediate(callback); // already gone
      return { cancel() {} };
    }
    let watch: NativeFdWatch | null = new native.FdWatch(pidfd, () => {
      cancel();
      callback();
    });
    watch.unref();
    const cancel = (): void => {
      watch?.stop();
      watch = null;
      if (pidfd >= 0) native.close(pidfd);
      pidfd = -1;
    };
    return { cancel };
  }
  const timer = setInterval(() => {
    try {
      native.kill(pid, 0);
    } catch {
      clearInterval(timer);
      callback();
    }
  }, 100);
  timer.unref();
  return { cancel: () => clearInterval(timer) };
}
