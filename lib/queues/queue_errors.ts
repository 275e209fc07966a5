// What the Queue family throws when an operation cannot go on, one wording
// whichever backend's kernel detects it.
import { CodedError, Empty, Full } from '../errors';
import type { Timeout } from '../wait/timeout';

export const queueFull = (): Full => new Full('the queue is full');

export const queueEmpty = (): Empty => new Empty('the queue is empty');

export function queueClosed(): CodedError {
  return new CodedError('ERR_QUEUE_CLOSED', 'the queue is closed: close() was called (in this or another process)');
}

export function taskDoneTooMany(): CodedError {
  return new CodedError('ERR_TASK_DONE_TOO_MANY', 'taskDone() called more times than there were items put');
}

export function joinTimedOut(call: string, limit: Timeout): CodedError {
  return new CodedError('ERR_JOIN_TIMEOUT', `${call} timed out after ${limit} ms with tasks unfinished`);
}
