// Waiting on the event loop until a file descriptor is readable or writable,
// through a libuv poll handle (native FdWatch): no thread-pool work, no extra
// thread (design.md, fact 7). libuv allows one poll handle per fd, so all the
// waiters on one fd share one watch; callers that do not own the fd (or wait
// for writability on an fd that may also be watched for reads) watch a dup.
// An owner that waits on its fd again and again (a Connection reading) asks to
// `keep` the watch: it is paused between waits instead of torn down (a new one
// per wait costs ~20 us), and the owner calls forgetFd() before closing the fd.
import { native, type NativeFdWatch } from '../internal/native';
import { registerWaitsToDropInChild } from '../child/after_fork';
import { abortError, onAbort } from './abort';
import { atDeadline, blockFor, now, toTimeout, type Timeout } from './timeout';

export const READABLE = 1;
export const WRITABLE = 2;

interface SharedWatch {
  watch: NativeFdWatch;
  ownedFd: number; // the dup to close when the watch ends, or -1
  waiters: Set<() => void>;
  keep: boolean; // paused, not ended, when no one waits
  paused: boolean;
}

const watches = new Map<string, SharedWatch>();

export interface ReadyOptions {
  /** Milliseconds; undefined or null waits forever. */
  timeout?: number | null;
  signal?: AbortSignal;
  /** Watch a duplicate of fd, for fds this module does not own. */
  duplicate?: boolean;
  /** Keep the watch (paused) for the next wait; the caller must forgetFd(fd) before closing fd. */
  keep?: boolean;
}

/** Resolves true once fd is ready for `events`, false when `timeout` ends first; rejects with an AbortError when `signal` aborts. */
export function whenReady(fd: number, events: number, opts: ReadyOptions = {}): Promise<boolean> {
  const { signal } = opts;
  let timeout: number | null;
  try {
    timeout = toTimeout(opts.timeout, 'whenReady()');
  } catch (err) {
    return Promise.reject(err);
  }
  if (signal?.aborted) return Promise.reject(abortError(signal));
  return new Promise<boolean>((resolve, reject) => {
    const duplicate = opts.duplicate || events === WRITABLE;
    // A kept watch is one per fd and direction (a write watch keeps its dup too).
    const keep = opts.keep === true && !opts.duplicate;
    const key = duplicate && !keep ? `dup:${fd}:${events}:${Math.random()}` : `${fd}:${events}`;
    let shared = watches.get(key);
    if (!shared) {
      const ownedFd = duplicate ? native.dup(fd) : -1;
      const waiters = new Set<() => void>();
      const entry: SharedWatch = {
        ownedFd,
        waiters,
        keep,
        paused: false,
        watch: new native.FdWatch(
          ownedFd >= 0 ? ownedFd : fd,
          () => {
            idleWatch(key, entry);
            for (const wake of [...waiters]) wake();
          },
          events,
        ),
      };
      shared = entry;
      watches.set(key, entry);
    } else if (shared.paused) {
      shared.watch.resume();
      shared.paused = false;
    }
    const entry = shared;
    let cancelTimer: (() => void) | undefined;
    let stopListening: (() => void) | undefined;
    const settle = (): void => {
      entry.waiters.delete(onReady);
      cancelTimer?.();
      stopListening?.();
      if (entry.waiters.size === 0) idleWatch(key, entry);
    };
    const onReady = (): void => {
      settle();
      resolve(true);
    };
    entry.waiters.add(onReady);
    if (timeout !== null)
      cancelTimer = atDeadline(now() + timeout, () => {
        settle();
        resolve(false);
      });
    if (signal)
      stopListening = onAbort(signal, (err) => {
        settle();
        reject(err);
      });
  });
}

/** The indexes of the fds readable within `timeout` (null: forever), blocking the thread: poll(2). */
export function readableSync(fds: number[], timeout: Timeout): number[] {
  return blockFor(
    timeout,
    (ms) => native.poll(fds, READABLE, ms),
    (ready) => ready.length === 0,
  );
}

/** No one waits on the watch now (or it fired): pause a kept one, end the others. */
function idleWatch(key: string, entry: SharedWatch): void {
  if (!entry.keep) {
    endWatch(key, entry);
  } else if (!entry.paused && watches.get(key) === entry) {
    entry.watch.pause();
    entry.paused = true;
  }
}

/** The fds with a watch kept between waits (for tests and diagnostics). */
export function keptWatchFds(): number[] {
  return [...watches.entries()].filter(([, entry]) => entry.keep).map(([key]) => Number(key.split(':')[0]));
}

/**
 * Ends every watch on fd (kept ones included): call before closing an fd waited on with `keep`.
 * Whoever still waits on it is woken, to find the fd closed on its next try (not left waiting forever).
 */
export function forgetFd(fd: number): void {
  for (const events of [READABLE, WRITABLE, READABLE | WRITABLE]) {
    const key = `${fd}:${events}`;
    const entry = watches.get(key);
    if (!entry) continue;
    endWatch(key, entry);
    for (const wake of [...entry.waiters]) wake();
  }
}

function endWatch(key: string, entry: SharedWatch): void {
  if (watches.get(key) !== entry) return;
  watches.delete(key);
  entry.watch.stop();
  if (entry.ownedFd >= 0) native.close(entry.ownedFd);
}

// A forked child inherits the parent's waits; they are not its own.
registerWaitsToDropInChild(() => {
  for (const [key, entry] of watches) endWatch(key, entry);
});
