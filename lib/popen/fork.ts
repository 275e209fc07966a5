// The `fork` start method: fork the calling process inside start(). The child
// shares nothing but inherits everything, closures included; the parent must be
// fork-safe (node --single-threaded, thread pool idle).
import { native } from '../internal/native';
import { fork } from '../posix';
import { resourceTrackerFd } from '../resource_tracker';
import { busyThreadPoolRequests, startedSingleThreaded } from '../internal/fork_safety';
import { keepAlive as keepWatchAlive, reap, waitForExit } from '../wait/child_watch';
import { enterChild } from '../child/bootstrap';
import { refuseUnleavableStack, runForkedChild } from '../child/run_forked';
import { prepareToStopInheritedLoopWork } from '../child/child_loop';
import { identityForChild, type BaseProcess } from '../process';
import { exitCodeOf, sentinelReadable, signalIfAlive, type Popen } from './popen';
import type { StartMethod } from '../context';
import { now, within } from '../wait/timeout';

class ForkPopen implements Popen {
  readonly pid: number;
  readonly sentinel: number;
  private code: number | null = null;
  private closed = false;

  constructor(pid: number, sentinel: number) {
    this.pid = pid;
    this.sentinel = sentinel;
  }

  poll(): number | null {
    if (this.code === null) {
      const status = reap(this.pid, false);
      if (status) this.code = exitCodeOf(status);
    }
    return this.code;
  }

  async wait(timeout: number | null): Promise<number | null> {
    if (this.code !== null) return this.code;
    const status = await within(waitForExit(this.pid), timeout, null);
    if (status) this.code = exitCodeOf(status);
    return this.code;
  }

  waitSync(timeout: number | null): number | null {
    if (this.code !== null) return this.code;
    if (timeout !== null && !sentinelReadable(this.sentinel, timeout)) return this.poll();
    const status = reap(this.pid, true);
    if (status) this.code = exitCodeOf(status);
    return this.code;
  }

  signal(signal: 'SIGTERM' | 'SIGKILL'): void {
    if (this.poll() === null) signalIfAlive(this.pid, signal);
  }

  keepAlive(on: boolean): void {
    if (this.code !== null) return;
    if (on)
      void waitForExit(this.pid).then(
        (status) => {
          this.code = exitCodeOf(status);
        },
        () => {},
      );
    keepWatchAlive(this.pid, on);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    native.close(this.sentinel);
  }
}

const IDLE_DEADLINE_MS = 5000;
const USE_PIDFD = process.platform === 'linux';

/**
 * start() is synchronous, but an ES module or tsx loader often still has a file
 * read or close on the thread pool when the main module runs. Let those finish
 * by turning the event loop from here (their callbacks may run now), so the
 * fork happens with an idle pool; give up with ERR_FORK_UNSAFE after 5 s.
 */
function settleThreadPool(): void {
  if (!startedSingleThreaded()) return; // fork() explains what to do
  const deadline = now() + IDLE_DEADLINE_MS;
  const runTicks = (process as unknown as { _tickCallback(): void })._tickCallback;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  while (busyThreadPoolRequests().length > 0 && now() < deadline) {
    // Only what is ready: a blocking turn could wait for an unrelated timer.
    native.runLoopOnce(true);
    runTicks.call(process); // promise-based requests end when their promise settles
    Atomics.wait(pause, 0, 0, 1);
  }
}

export const forkStartMethod: StartMethod = {
  name: 'fork',
  launch(proc: BaseProcess): Popen {
    // Start the resource tracker now, so the child inherits it: a segment the
    // child creates then outlives the child for as long as this tree lives.
    refuseUnleavableStack();
    resourceTrackerFd();
    settleThreadPool();
    prepareToStopInheritedLoopWork();
    // The sentinel: a pidfd on Linux; elsewhere a pipe whose write end only the child holds.
    const [sentinelRead, sentinelWrite] = USE_PIDFD ? [-1, -1] : native.pipe();
    const pid = fork();
    if (pid === 0) {
      if (!USE_PIDFD) native.close(sentinelRead);
      const identity = identityForChild(proc);
      enterChild(proc, identity, identity.parentPid!);
      runForkedChild(proc);
    }
    if (!USE_PIDFD) native.close(sentinelWrite);
    return new ForkPopen(pid, USE_PIDFD ? native.pidfdOpen(pid) : sentinelRead);
  },
};
