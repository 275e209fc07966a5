// Waiting on the event loop until a file descriptor is readable or writable,
// through a libuv poll handle (native FdWatch): no thread-pool work, no extra
// thread (design.md, fact 7). libuv allows one poll handle per fd, so all the
// waiters on one fd share one watch; callers that do not own the fd (or wait
// for writability on an fd that may also be watched for reads) watch a dup.
import { native, type NativeFdWatch } from './native';
import { registerAfterForkInChild } from './after_fork';

export const READABLE = 1;
export const WRITABLE = 2;

interface SharedWatch {
  watch: NativeFdWatch;
  ownedFd: number; // the dup to close when the watch ends, or -1
  waiters: Set<() => void>;
}

const watches = new Map<string, SharedWatch>();

export interface ReadyOptions {
  /** Milliseconds; undefined or null waits forever. */
  timeout?: number | null;
  signal?: AbortSignal;
  /** Watch a duplicate of fd, for fds this module does not own. */
  duplicate?: boolean;
}

/** Resolves true once fd is ready for `events`, false when `timeout` ends first; rejects when `signal` aborts. */
export function whenReady(fd: number, events: number, opts: ReadyOptions = {}): Promise<boolean> {
  const { timeout, signal } = opts;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<boolean>((resolve, reject) => {
    const key = opts.duplicate || events === WRITABLE ? `dup:${fd}:${events}:${Math.random()}` : `${fd}:${events}`;
    let shared = watches.get(key);
    if (!shared) {
      const ownedFd = key.startsWith('dup:') ? native.dup(fd) : -1;
      const waiters = new Set<() => void>();
      const entry: SharedWatch = {
        ownedFd,
        waiters,
        watch: new native.FdWatch(ownedFd >= 0 ? ownedFd : fd, () => {
          endWatch(key, entry);
          for (const wake of waiters) wake();
        }, events),
      };
      shared = entry;
      watches.set(key, entry);
    }
    const entry = shared;
    let timer: NodeJS.Timeout | undefined;
    const settle = (): void => {
      entry.waiters.delete(onReady);
      if (timer) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      if (entry.waiters.size === 0) endWatch(key, entry);
    };
    const onReady = (): void => { settle(); resolve(true); };
    const onAbort = (): void => { settle(); reject(signal!.reason); };
    entry.waiters.add(onReady);
    if (timeout != null && timeout !== Infinity) timer = setTimeout(() => { settle(); resolve(false); }, Math.max(0, timeout));
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function endWatch(key: string, entry: SharedWatch): void {
  if (watches.get(key) !== entry) return;
  watches.delete(key);
  entry.watch.stop();
  if (entry.ownedFd >= 0) native.close(entry.ownedFd);
}

// A forked child inherits the parent's waits; they are not its own.
registerAfterForkInChild(() => {
  for (const [key, entry] of watches) endWatch(key, entry);
});
