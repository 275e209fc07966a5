// The timeout rule, the clock and the timer every wait of this library uses
// (api.md, "Timeouts and cancellation"). A user timeout is milliseconds:
// undefined, null and Infinity wait forever; 0 and negatives poll once; NaN and
// non-numbers are refused. Deadlines are on one monotonic clock
// (performance.now(): Date.now() jumps with the wall clock). No delay above
// MAX_WAIT_MS reaches setTimeout (which fires at once past it, with a
// TimeoutOverflowWarning) or the native waits: longer waits are sliced.
import { CodedTypeError } from '../errors';

/** The longest single delay setTimeout and the native waits take: 2^31-1 ms, about 24.8 days. */
export const MAX_WAIT_MS = 0x7fffffff;

/** A normalised timeout: milliseconds >= 0 (0: poll once), or null: forever. */
export type Timeout = number | null;

/** A point on the monotonic clock (ms), or null: never. */
export type Deadline = number | null;

export const now: () => number = () => performance.now();

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}' (a string)`;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return `${String(value)} (${typeof value})`;
}

/**
 * Checks and normalises the timeout a user passed to `call` (named in the
 * error): null for forever, else ms >= 0. Throws ERR_INVALID_ARG_TYPE for NaN
 * and non-numbers, before the call has changed anything.
 */
export function toTimeout(timeout: unknown, call: string): Timeout {
  if (timeout === undefined || timeout === null || timeout === Infinity) return null;
  if (typeof timeout !== 'number' || Number.isNaN(timeout)) {
    throw new CodedTypeError(
      'ERR_INVALID_ARG_TYPE',
      `${call}: timeout must be a number of milliseconds (0 or less: do not wait; null, undefined or Infinity: wait forever), got ${describe(timeout)}`,
    );
  }
  return timeout > 0 ? timeout : 0;
}

export function deadlineOf(timeout: Timeout): Deadline {
  return timeout === null ? null : now() + timeout;
}

/** Milliseconds left until `deadline` (null: forever), never negative. */
export function remaining(deadline: Deadline): Timeout {
  return deadline === null ? null : Math.max(0, deadline - now());
}

export function expired(deadline: Deadline): boolean {
  return deadline !== null && now() >= deadline;
}

/** The next slice of a wait: at most `slice` ms and never past `deadline`. */
export function sliceOf(deadline: Deadline, slice: number): number {
  const left = remaining(deadline);
  return left === null ? slice : Math.min(left, slice);
}

/** A timeout as one native wait takes it: -1 forever, else whole ms up to MAX_WAIT_MS (longer: the caller slices). */
export function nativeMs(timeout: Timeout): number {
  return timeout === null ? -1 : Math.min(Math.ceil(timeout), MAX_WAIT_MS);
}

/** Whether one native wait cannot take `timeout` whole (blockFor slices it). */
export function needsSlices(timeout: Timeout): boolean {
  return timeout !== null && timeout > MAX_WAIT_MS;
}

/**
 * Runs a blocking native wait for `timeout`: one call when the native side can
 * take the timeout whole, else slices of MAX_WAIT_MS while `timedOut` says a
 * slice ended before the deadline.
 */
export function blockFor<R>(timeout: Timeout, wait: (ms: number) => R, timedOut: (result: R) => boolean): R {
  if (timeout === null || !needsSlices(timeout)) return wait(nativeMs(timeout));
  const deadline = now() + timeout;
  for (;;) {
    const result = wait(nativeMs(remaining(deadline)));
    if (!timedOut(result) || expired(deadline)) return result;
  }
}

/**
 * Calls `onExpire` once `deadline` has passed, through timers no longer than
 * MAX_WAIT_MS. Returns the function that cancels it. The timers do not keep
 * the process alive unless `ref` is true.
 */
export function atDeadline(deadline: number, onExpire: () => void, ref = true): () => void {
  let timer: NodeJS.Timeout;
  const arm = (): void => {
    const left = deadline - now();
    if (left <= 0) {
      onExpire();
      return;
    }
    timer = setTimeout(arm, Math.min(Math.ceil(left), MAX_WAIT_MS));
    if (!ref) timer.unref();
  };
  const left = deadline - now();
  timer = setTimeout(arm, Math.min(Math.max(0, Math.ceil(left)), MAX_WAIT_MS));
  if (!ref) timer.unref();
  return () => clearTimeout(timer);
}

/** Resolves with the promise's value, or with `onTimeout` once `timeout` passes first (null: waits forever). */
export function within<T, U>(promise: Promise<T>, timeout: Timeout, onTimeout: U): Promise<T | U> {
  if (timeout === null) return promise;
  return new Promise<T | U>((resolve, reject) => {
    const cancel = atDeadline(now() + timeout, () => resolve(onTimeout));
    promise.then(
      (value) => {
        cancel();
        resolve(value);
      },
      (err: unknown) => {
        cancel();
        reject(err);
      },
    );
  });
}
