// When fork() of the calling Node process is safe (design.md, facts 3 and 4):
// only with --single-threaded (V8 posts no work to its platform threads, which
// a child would wait on forever; the one task per scavenge that V8 14 posts
// anyway is kept out of the child by native/child_platform.cc), from the main
// thread, and with no libuv thread-pool request in flight (a pool thread may
// hold a lock the child needs).
import fs from 'node:fs';
import { native } from './native';
import { CodedError } from '../errors';
import { pendingStdioBytes } from './stdio';

// Requests that run on the libuv thread pool and show in getActiveResourcesInfo().
// Crypto jobs and zlib do not show there: fork() cannot see them (README says so).
const THREAD_POOL_REQUESTS = new Set([
  'FSReqCallback',
  'FSReqPromise',
  'FileHandleCloseReq',
  'CloseReq',
  'GetAddrInfoReqWrap',
  'GetNameInfoReqWrap',
]);

export function startedSingleThreaded(): boolean {
  if (process.execArgv.includes('--single-threaded')) return true;
  const fromEnv = (process.env.NODE_OPTIONS ?? '').split(/\s+/);
  return fromEnv.includes('--single-threaded');
}

export function threadPoolRequestsInFlight(): string[] {
  return process.getActiveResourcesInfo().filter((name) => THREAD_POOL_REQUESTS.has(name));
}

/**
 * Whether every thread but this one is parked (in futex or epoll waits). A
 * request can look in flight while its work is already done (a FileHandle's
 * close waits for JS to run its promise); parked threads hold no lock the
 * child could need. Linux only; elsewhere trust the request list alone.
 */
export function otherThreadsParked(): boolean {
  if (process.platform !== 'linux' || native.idleSyscalls.length === 0) return false;
  const idle = new Set(native.idleSyscalls.map(String));
  const self = String(process.pid);
  for (const tid of fs.readdirSync('/proc/self/task')) {
    if (tid === self) continue;
    let syscall: string;
    try {
      syscall = fs.readFileSync(`/proc/self/task/${tid}/syscall`, 'latin1');
    } catch {
      continue; // the thread ended
    }
    if (!idle.has(syscall.slice(0, syscall.indexOf(' ')))) return false;
  }
  return true;
}

/** Thread-pool requests that make fork() unsafe: in flight, with a pool thread still busy. */
export function busyThreadPoolRequests(): string[] {
  const inFlight = threadPoolRequestsInFlight();
  return inFlight.length > 0 && !otherThreadsParked() ? inFlight : [];
}

/** Why fork() can never be safe in this process (the thread, the flags), or null. */
export function forkImpossibleReason(): string | null {
  // node:worker_threads loads perf_hooks and more (~2 ms): only a process about to fork asks.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (!(require('node:worker_threads') as typeof import('node:worker_threads')).isMainThread) {
    return (
      'fork() was called from a worker thread; only the main thread of a process can fork. ' +
      "Call it from the main thread, or use the 'forkserver' start method."
    );
  }
  if (!startedSingleThreaded()) {
    return (
      'this process was not started with --single-threaded, so V8 runs helper threads ' +
      'that a forked child would wait on forever (it hangs or crashes). ' +
      'Run it as `node --single-threaded script.js` (or NODE_OPTIONS=--single-threaded), ' +
      "or use the 'forkserver' start method, which forks from a clean single-threaded server."
    );
  }
  return null;
}

/** Why fork() would be unsafe right now, or null when it is safe. */
export function forkUnsafeReason(): string | null {
  const impossible = forkImpossibleReason();
  if (impossible !== null) return impossible;
  const inFlight = busyThreadPoolRequests();
  if (inFlight.length > 0) {
    return (
      `${inFlight.length} thread-pool request(s) are in flight (${[...new Set(inFlight)].join(', ')}); ` +
      'a child forked now can hang on a lock held by a pool thread. ' +
      'Await them before forking, or use posix.forkWhenIdle(), which waits for the pool to go idle.'
    );
  }
  const pending = pendingStdioBytes();
  if (pending.stdout > 0 || pending.stderr > 0) {
    return (
      `stdout/stderr have ${pending.stdout}/${pending.stderr} bytes queued for a pipe that is not ` +
      'reading; the child would write them a second time. Wait for the stream\'s "drain" event, ' +
      'or use posix.forkWhenIdle().'
    );
  }
  return null;
}

export function assertForkSafe(): void {
  const reason = forkUnsafeReason();
  if (reason !== null) throw new CodedError('ERR_FORK_UNSAFE', `fork() refused: ${reason}`);
}
