// The `spawn` start method (the Windows path; selectable everywhere): a fresh
// Node process re-imports the main module behind the guard, receives the
// child's description on fd 3, and runs the target.
import os from 'node:os';
import { spawn, type ChildProcess } from 'node:child_process';
import { addonFile, native, PARENT_ADDON_ENV } from '../internal/native';
import { describeForChild } from '../child/process_spec';
import { resourceTrackerFd, TRACKER_FD_ENV } from '../resource_tracker';
import { mainModulePath } from '../internal/function_ref';
import type { BaseProcess } from '../process';
import type { StartMethod } from '../context';
import { childNodeArgs } from './child_command';
import { exitCodeOf, sentinelReadable, type Popen } from './popen';
import { within } from '../wait/timeout';

class SpawnPopen implements Popen {
  readonly pid: number;
  readonly sentinel: number;
  private code: number | null = null;
  private closed = false;
  private readonly exited: Promise<number>;

  constructor(
    private readonly child: ChildProcess,
    sentinel: number | null,
  ) {
    this.pid = child.pid!;
    this.sentinel = sentinel ?? native.pidfdOpen(this.pid);
    this.exited = new Promise((resolve) => {
      child.once('exit', (exitCode, signal) => {
        this.code = exitCodeOf({ exitCode, signal: signal ? (os.constants.signals[signal] as number) : null });
        resolve(this.code);
      });
    });
  }

  poll(): number | null {
    if (this.code === null) {
      // libuv owns the child's reaping: look at its status without reaping it.
      const status = native.peekExit(this.pid);
      if (status) this.code = exitCodeOf(status);
    }
    return this.code;
  }

  wait(timeout: number | null): Promise<number | null> {
    if (this.code !== null) return Promise.resolve(this.code);
    return within(this.exited, timeout, null);
  }

  waitSync(timeout: number | null): number | null {
    if (this.code !== null) return this.code;
    if (!sentinelReadable(this.sentinel, timeout)) return null;
    return this.poll();
  }

  signal(signal: 'SIGTERM' | 'SIGKILL'): void {
    if (this.poll() !== null) return;
    this.child.kill(signal);
  }

  keepAlive(on: boolean): void {
    if (on) this.child.ref();
    else this.child.unref();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    native.close(this.sentinel);
  }
}

/**
 * The environment of a Node process started to run our entry script (a
 * spawned child, the forkserver): this process's resource tracker is its fd 4,
 * and the addon this process loaded is the one to load.
 */
export function childEnvironment(): NodeJS.ProcessEnv {
  return { ...process.env, [TRACKER_FD_ENV]: '4', [PARENT_ADDON_ENV]: addonFile };
}

export const spawnStartMethod: StartMethod = {
  name: 'spawn',
  launch(proc: BaseProcess): Popen {
    const spec = describeForChild(proc);
    const [ours, theirs] = native.socketpair();
    native.setNonBlocking(ours, false);
    native.setNonBlocking(theirs, false);
    // The sentinel: a pidfd on Linux; elsewhere a pipe whose write end only the child holds (fd 5).
    const [sentinelRead, sentinelWrite] = process.platform === 'linux' ? [-1, -1] : native.pipe();
    let child: ChildProcess;
    try {
      // fd 3: the description; fd 4: this process's resource tracker, shared with the child.
      child = spawn(
        process.execPath,
        [...childNodeArgs('child/spawn_main.js', false), mainModulePath() ?? '', JSON.stringify(process.argv)],
        {
          stdio: [
            'inherit',
            'inherit',
            'inherit',
            theirs,
            resourceTrackerFd(),
            ...(sentinelWrite >= 0 ? [sentinelWrite] : []),
          ],
          env: childEnvironment(),
        },
      );
    } finally {
      native.close(theirs);
      if (sentinelWrite >= 0) native.close(sentinelWrite);
    }
    try {
      native.sendMessage(ours, spec.bytes, spec.fds);
    } finally {
      native.close(ours);
    }
    return new SpawnPopen(child, sentinelRead >= 0 ? sentinelRead : null);
  },
};
