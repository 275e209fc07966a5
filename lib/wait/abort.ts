// The one abort path: every wait that takes `{ signal }` rejects with the same
// AbortError (name 'AbortError', code 'ABORT_ERR', cause: signal.reason), as
// Node's own APIs do, whether the signal was aborted before the call or during
// the wait. Callers undo their bookkeeping before rethrowing, so the primitive
// stays consistent (no permit lost, no item taken).
import { AbortError, CodedTypeError } from '../errors';

export function abortError(signal: AbortSignal): AbortError {
  return new AbortError('The operation was aborted', { cause: signal.reason });
}

/** Checks the `signal` option a user passed to `call`. */
export function checkSignal(signal: unknown, call: string): AbortSignal | undefined {
  if (signal === undefined || signal === null) return undefined;
  if (!(signal instanceof AbortSignal)) {
    throw new CodedTypeError('ERR_INVALID_ARG_TYPE', `${call}: signal must be an AbortSignal, got ${typeof signal}`);
  }
  return signal;
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw abortError(signal);
}

/** Calls `onAbort` with the AbortError when `signal` aborts; returns the function that stops listening. */
export function onAbort(signal: AbortSignal, handler: (err: AbortError) => void): () => void {
  const listener = (): void => handler(abortError(signal));
  signal.addEventListener('abort', listener, { once: true });
  return () => signal.removeEventListener('abort', listener);
}
