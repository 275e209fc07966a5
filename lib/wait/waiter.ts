// Promises over futex waits: the async waiting every primitive and queue of
// this library builds on (design.md, fact 7).
//
// Design: a wait is one 32-bit word in shared memory and the value it must
// change from. Synchronous waits are a futex(2) call on the calling thread.
// Asynchronous waits are handed to one persistent native thread per process
// (native/futex_waiter.cc) that sleeps on all of them at once with futex_waitv
// and reports completions through an eventfd that the event loop watches
// (FdWatch, a libuv poll handle). So no wait ever occupies a libuv thread-pool
// thread (which would stall fs), and 1,000 waits cost no more threads than one.
// Timeouts and AbortSignals are plain JS timers/listeners that cancel the
// native wait. Wake-up latency is one futex wake + one eventfd round trip.
// A wake that reaches the thread after every wait on its word was cancelled is
// passed on to the next sleeper, so no consumer ever loses one.
//
// Contract (for every user of this module): `'changed'` means the word no
// longer held `expected` or a wake arrived on it; it can be spurious, so
// callers re-check their own condition in a loop. Wakers change the word
// first, then call wake().
import { native, type FutexView, type NativeFdWatch, type NativeFutexWaiter } from '../internal/native';
import { registerWaitsToDropInChild } from '../child/after_fork';
import { CodedTypeError } from '../errors';
import { abortError, onAbort } from './abort';
import { atDeadline, blockFor, now, toTimeout, type Timeout } from './timeout';

export type WaitOutcome = 'changed' | 'timeout';

export interface WaitOptions {
  /** Milliseconds; omitted or null waits forever. */
  timeout?: number | null;
  signal?: AbortSignal;
}

interface PendingWait {
  resolve(outcome: WaitOutcome): void;
  reject(err: unknown): void;
  view: FutexView; // keeps the mapping alive while the native thread reads it
  cancelTimer?: () => void;
  stopListening?: () => void;
}

let waiter: NativeFutexWaiter | null = null;
let watch: NativeFdWatch | null = null;
const pending = new Map<number, PendingWait>();
let nextId = 1;

/** An atomic, host-endian read of the word, as the futex sees it (checkWord ran first). */
function wordValue(view: FutexView, byteOffset: number): number {
  return Atomics.load(new Uint32Array(view.buffer, view.byteOffset + byteOffset, 1), 0);
}

function checkWord(view: FutexView, byteOffset: number): void {
  if (!ArrayBuffer.isView(view)) {
    throw new CodedTypeError(
      'ERR_INVALID_ARG_TYPE',
      'the futex word must be in a Buffer or TypedArray over shared memory',
    );
  }
  if (
    !Number.isInteger(byteOffset) ||
    byteOffset < 0 ||
    byteOffset + 4 > view.byteLength ||
    (view.byteOffset + byteOffset) % 4 !== 0
  ) {
    const err = new RangeError(
      `byteOffset ${String(byteOffset)} is not an aligned 32-bit word inside the ${view.byteLength}-byte view`,
    );
    (err as RangeError & { code: string }).code = 'ERR_OUT_OF_RANGE';
    throw err;
  }
}

function onCompletions(): void {
  if (waiter === null) return;
  for (const id of waiter.take()) settle(id, 'changed');
}

function startWaiter(): NativeFutexWaiter {
  waiter = new native.FutexWaiter();
  watch = new native.FdWatch(waiter.fd, onCompletions);
  if (pending.size === 0) watch.unref();
  return waiter;
}

function settle(id: number, outcome: WaitOutcome | { error: unknown }): void {
  const wait = pending.get(id);
  if (wait === undefined) return;
  pending.delete(id);
  if (pending.size === 0) watch?.unref(); // idle waits never keep the process alive
  wait.cancelTimer?.();
  wait.stopListening?.();
  if (outcome !== 'changed') waiter?.cancel(id);
  if (typeof outcome === 'object') wait.reject(outcome.error);
  else wait.resolve(outcome);
}

/**
 * Resolves 'changed' once the 32-bit word at `byteOffset` of `view` (shared
 * memory) differs from `expected` or is woken, 'timeout' after `timeout` ms;
 * rejects with an AbortError when `signal` aborts. Never blocks the event loop.
 */
export function waitUntilChanged(
  view: FutexView,
  byteOffset: number,
  expected: number,
  opts: WaitOptions = {},
): Promise<WaitOutcome> {
  let timeout: Timeout;
  try {
    checkWord(view, byteOffset);
    timeout = toTimeout(opts.timeout, 'waitUntilChanged()');
  } catch (err) {
    return Promise.reject(err);
  }
  const { signal } = opts;
  if (signal?.aborted) return Promise.reject(abortError(signal));
  if (wordValue(view, byteOffset) !== expected >>> 0) return Promise.resolve('changed');
  if (timeout === 0) return Promise.resolve('timeout');
  const id = nextId++;
  return new Promise<WaitOutcome>((resolve, reject) => {
    const wait: PendingWait = { resolve, reject, view };
    (waiter ?? startWaiter()).add(id, view, byteOffset, expected >>> 0);
    if (pending.size === 0) watch?.ref();
    pending.set(id, wait);
    if (timeout !== null) wait.cancelTimer = atDeadline(now() + timeout, () => settle(id, 'timeout'));
    if (signal) wait.stopListening = onAbort(signal, (error) => settle(id, { error }));
  });
}

/** Blocks the calling thread until the word differs from `expected`, is woken, or `timeout` ms pass. */
export function waitSync(view: FutexView, byteOffset: number, expected: number, timeout?: number | null): WaitOutcome {
  checkWord(view, byteOffset);
  const result = blockFor(
    toTimeout(timeout, 'waitSync()'),
    (ms) => native.futexWait(view, byteOffset, expected >>> 0, ms),
    (outcome) => outcome === 'timed-out',
  );
  return result === 'timed-out' ? 'timeout' : 'changed';
}

/** Wakes up to `count` waiters (sync or async, in any process) on the word. */
export function wake(view: FutexView, byteOffset: number, count = 1): number {
  return native.futexWake(view, byteOffset, count);
}

export function wakeAll(view: FutexView, byteOffset: number): number {
  return native.futexWake(view, byteOffset, 0x7fffffff);
}

/** Async waits in flight in this process (for tests and diagnostics). */
export function pendingWaitCount(): number {
  return pending.size;
}

// The forked child has no waiter thread and shares the parent's eventfd: start
// over. Waits the parent had pending are the parent's: in the child they never
// settle (as fs promises in flight at fork), so an inherited `await q.get()` or
// `await sem.acquire()` cannot take what the parent was waiting for.
registerWaitsToDropInChild(() => {
  for (const wait of pending.values()) {
    wait.cancelTimer?.();
    wait.stopListening?.();
  }
  pending.clear();
  if (waiter === null) return;
  watch?.stop();
  const fd = waiter.afterForkInChild();
  watch = new native.FdWatch(fd, onCompletions);
  watch.unref();
});
