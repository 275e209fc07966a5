// The `posix` namespace: fork/waitpid/pipe/kill/exit with Node-style errors.
// Arguments are checked here; the calls are the posix processes kernel's, and
// under the portable backend every one throws ERR_BACKEND_UNSUPPORTED.
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { deadlineOf, expired, toTimeout } from './wait/timeout';
import type { ForkAdviceMode, NativeWaitStatus } from './internal/native';
import type { PosixProcessCalls } from './kernels/processes';
import { kernels, requirePosix } from './backend';
import { CodedError, CodedTypeError } from './errors';

export type WaitStatus = NativeWaitStatus;

/** waitpid's WNOHANG: 1 on Linux and macOS (a constant, so that importing this module loads no addon). */
export const WNOHANG = 1;

/** The posix kernel's calls, or ERR_BACKEND_UNSUPPORTED naming `feature` under portable. */
function calls(feature: string): PosixProcessCalls {
  requirePosix(feature);
  return kernels().processes.posix!;
}

// How fork() finds Node's MADV_DONTFORK heap mappings (see native/fork_advice.h);
// selectable only so bench/ can compare the methods.
const adviceMode = (process.env.POSIX_MP_FORK_ADVICE ?? 'probe') as ForkAdviceMode;

/**
 * fork(2) of the calling process, with every fix-up Node needs: 0 in the child,
 * the child's pid in the parent. Throws ERR_FORK_UNSAFE (saying why and what to
 * do) where a child could hang or crash.
 */
export function fork(): number {
  const posix = calls('posix.fork()');
  posix.assertForkSafe();
  posix.makeStdioBlocking();
  return posix.fork(adviceMode);
}

/**
 * Waits until no thread-pool request is in flight and stdio has drained, then
 * forks. Rejects with ERR_FORK_UNSAFE at once if the process can never fork
 * safely, and after `timeout` ms if it never goes idle.
 */
export async function forkWhenIdle(opts: { timeout?: number | null } = {}): Promise<number> {
  const posix = calls('posix.forkWhenIdle()');
  const deadline = deadlineOf(toTimeout(opts.timeout, 'posix.forkWhenIdle()'));
  if (!posix.startedSingleThreaded()) posix.assertForkSafe();
  posix.makeStdioBlocking();
  while (posix.forkUnsafeReason() !== null && !expired(deadline)) await sleep(1);
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
  const posix = calls('posix.waitpid()');
  assertPid(pid, 'waitpid');
  if (pid <= 0) {
    throw new CodedError(
      'ERR_INVALID_ARG_VALUE',
      `waitpid(${pid}): pass the pid of one child; waiting for any child would reap child_process's children`,
    );
  }
  return posix.waitpid(pid, options);
}

/** A pipe as [readFd, writeFd], both close-on-exec. */
export function pipe(): [number, number] {
  return calls('posix.pipe()').pipe();
}

export function getpid(): number {
  requirePosix('posix.getpid()');
  return kernels().processes.getpid();
}

export function getppid(): number {
  return calls('posix.getppid()').getppid();
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
  const posix = calls('posix.kill()');
  assertPid(pid, 'kill');
  posix.kill(pid, signalNumber(signal));
}

/** _exit(2) after stdout/stderr have drained: the only safe way out of a forked child. */
export function exit(code = 0): never {
  const posix = calls('posix.exit()');
  if (!Number.isInteger(code)) {
    throw new CodedTypeError('ERR_INVALID_ARG_TYPE', `exit(code): code must be an integer, got ${String(code)}`);
  }
  return posix.exit(code);
}
