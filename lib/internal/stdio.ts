// Output written to a pipe is queued by libuv when the pipe is full; a fork()
// at that moment copies the queue, and the child writes it a second time. With
// blocking stdio pipes every write completes before it returns (as Node already
// does for files and TTYs), so there is never a queue to copy or to lose at _exit.
import type { Writable } from 'node:stream';

interface StdioHandle {
  setBlocking?(blocking: boolean): number;
}

function handleOf(stream: Writable): StdioHandle | undefined {
  return (stream as unknown as { _handle?: StdioHandle })._handle;
}

let madeBlocking = false;

export function makeStdioBlocking(): void {
  if (madeBlocking) return;
  madeBlocking = true;
  for (const stream of [process.stdout, process.stderr]) {
    handleOf(stream)?.setBlocking?.(true);
  }
}

/**
 * Whether an endpoint from process._getActiveHandles() is one of the standard
 * streams, which a forked child keeps. Told by fd: comparing with process.stdin
 * would create stdin on first use (6-8 ms in a fresh child, and a stream over
 * the parent's input that makes a shared stdin pipe non-blocking).
 */
export function isStandardStream(endpoint: unknown): boolean {
  const fd = (endpoint as { _handle?: { fd?: unknown } | null })?._handle?.fd;
  return typeof fd === 'number' && fd >= 0 && fd <= 2;
}

/** Bytes written to stdout/stderr that the OS has not taken yet. */
export function pendingStdioBytes(): { stdout: number; stderr: number } {
  return { stdout: process.stdout.writableLength, stderr: process.stderr.writableLength };
}
