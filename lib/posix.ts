// The `posix` namespace: fork/waitpid/pipe/kill/exit with Node-style errors.
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { deadlineOf, expired, toTimeout } from './wait/timeout';
import { native, type ForkAdviceMode, type NativeWaitStatus } from './internal/native';
import { CodedError, CodedTypeError } from './errors';
import { assertForkSafe, forkUnsafeReason, startedSingleThreaded } from './internal/fork_safety';
import { becomeForkedChild, exitForkedChild } from './child/forked_child';
import { makeStdioBlocking } from './internal/stdio';

export type WaitStatus = NativeWaitStatus;

export const WNOHANG: number = native.WNOHANG;

// How fork() finds Node's MADV_DONTFORK heap mappings (see native/fork_advice.h);
// selectable only so bench/ can compare the methods.
const adviceMode = (process.env.POSIX_MP_FORK_ADVICE ?? 'probe') as ForkAdviceMode;

/**
 * fork(2) of the calling process, with every fix-up Node needs: 0 in the child,
 * the child's pid in the parent. Throws ERR_FORK_UNSAFE (saying why and what to
 * do) where a child could hang or crash.
 */
export function fork(): number {
  assertForkSafe();
  makeStdioBlocking();
  const pid = native.fork(adviceMode);
  if (pid === 0) becomeForkedChild();
  return pid;
}

/**
 * Waits until no thread-pool request is in flight and stdio has drained, then
 * forks. Rejects with ERR_FORK_UNSAFE at once if the process can never fork
 * safely, and after `timeout` ms if it never goes idle.
 */
export async function forkWhenIdle(opts: { timeout?: number | null } = {}): Promise<number> {
  const deadline = deadlineOf(toTimeout(opts.timeout, 'posix.forkWhenIdle()'));
  if (!startedSingleThreaded()) assertForkSafe();
  makeStdioBlocking();
  while (forkUnsafeReason() !== null && !expired(deadline)) await sleep(1);
  return fork();
}

function assertPid(pid: unknown, fn: string): asserts pid is number {
  if (typeof pid !== 'number' || !Number.isInteger(pid)) {
    throw new CodedTypeError('ERR_INVALID_ARG_TYPE', `${fn}(pid): pid must be an integer, got ${String(pid)}`);
  }
}

/**
 * waitpid(2) for one child. `pid` must be positive: waiting for "any child"
 * would reap the children of child_process too.
 */
export function waitpid(pid: number, options = 0): WaitStatus {
  assertPid(pid, 'waitpid');
  if (pid <= 0) {
    throw new CodedError(
      'ERR_INVALID_ARG_VALUE',
      `waitpid(${pid}): pass the pid of one child; waiting for any child would reap child_process's children`,
    );
  }
  return native.waitpid(pid, options);
}

/** A pipe as [readFd, writeFd], both close-on-exec. */
export function pipe(): [number, number] {
  return native.pipe();
}

export function getpid(): number {
  return native.getpid();
}

export function getppid(): number {
  return native.getppid();
}

export function signalNumber(signal: number | string): number {
  if (typeof signal === 'number') {
    if (!Number.isInteger(signal) || signal < 0 || signal > 64) {
      throw new CodedTypeError(
        'ERR_UNKNOWN_SIGNAL',
        `Unknown signal: ${signal} (expected 0-64 or a name like 'SIGTERM')`,
      );
    }
    return signal;
  }
  const signals = os.constants.signals as Record<string, number>;
  const number = typeof signal === 'string' ? signals[signal.toUpperCase()] : undefined;
  if (number === undefined) {
    throw new CodedTypeError(
      'ERR_UNKNOWN_SIGNAL',
      `Unknown signal: ${String(signal)} (expected a name like 'SIGTERM' or a number)`,
    );
  }
  return number;
}

export function kill(pid: number, signal: number | string = 'SIGTERM'): void {
  assertPid(pid, 'kill');
  native.kill(pid, signalNumber(signal));
}

/** _exit(2) after stdout/stderr have drained: the only safe way out of a forked child. */
export function exit(code = 0): never {
  if (!Number.isInteger(code)) {
    throw new CodedTypeError('ERR_INVALID_ARG_TYPE', `exit(code): code must be an integer, got ${String(code)}`);
  }
  return exitForkedChild(code);
}
