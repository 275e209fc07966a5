// The library's rule for a timeout argument, in one place: undefined, null and
// Infinity wait forever; 0 and negatives do not wait; NaN and non-numbers are
// a caller's mistake.
import { CodedTypeError } from './errors';

// setTimeout's limit (24.8 days): a longer timeout is no timeout.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Milliseconds to wait (>= 0), or null for no limit; throws ERR_INVALID_ARG_TYPE for NaN or a non-number. */
export function timeoutMs(timeout: unknown, name = 'timeout'): number | null {
  if (timeout == null || timeout === Infinity) return null;
  if (typeof timeout !== 'number' || Number.isNaN(timeout)) {
    const got = typeof timeout === 'string' ? JSON.stringify(timeout) : String(timeout);
    throw new CodedTypeError('ERR_INVALID_ARG_TYPE', `${name} must be a number of milliseconds, null or Infinity, got ${got}`);
  }
  return timeout > MAX_TIMER_MS ? null : Math.max(0, timeout);
}
