// Calls to the broker made by reduce and rebuild hooks (a loan, an attach)
// cannot go out at once: they run while the codec is encoding or decoding the
// value they belong to, and the codec is not reentrant. They wait in order
// here, and go out at the end of the current job, or before this process's
// next call through call/callSync/send below, whichever is first: so an attach
// always precedes the first get, and a loan the lender's own close().
import { call as rawCall, callSync as rawCallSync, send as rawSend } from './runtime';

const waiting: [op: string, args: unknown[]][] = [];

/** send() from inside a reduce or rebuild hook. */
export function sendAfterCrossing(op: string, args: unknown[]): void {
  if (waiting.length === 0) queueMicrotask(flushCrossingSends);
  waiting.push([op, args]);
}

export function flushCrossingSends(): void {
  while (waiting.length > 0) {
    const [op, args] = waiting.shift()!;
    rawSend(op, args);
  }
}

export function call(op: string, args: unknown[], opts?: { signal?: AbortSignal }): Promise<unknown> {
  if (waiting.length > 0) flushCrossingSends();
  return rawCall(op, args, opts);
}

export function callSync(op: string, args: unknown[]): unknown {
  if (waiting.length > 0) flushCrossingSends();
  return rawCallSync(op, args);
}

export function send(op: string, args: unknown[]): void {
  if (waiting.length > 0) flushCrossingSends();
  rawSend(op, args);
}
