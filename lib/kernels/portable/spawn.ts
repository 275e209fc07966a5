// The `spawn` start method of the portable backend (no addon): a fresh Node
// process, started by this process's I/O thread (io/process_service.ts),
// re-imports the main module behind the guard, reads its description from
// fd 3 and runs the target. The child's exit is seen in the I/O thread, so a
// join can block this thread (callSync) or await (call) alike.
//
// `sentinel` under this backend: there is no OS handle to give out, so it is
// the child's pid, not a file descriptor; wait() (lib/connection.ts) is
// given the Process itself.
import { BACKEND_ENV } from '../../backend';
import { describeForChild } from '../../child/process_spec';
import { CodedError } from '../../errors';
import { mainModulePath } from '../../internal/function_ref';
import type { BaseProcess } from '../../process';
import type { StartMethod } from '../../context';
import { childNodeArgs } from '../../popen/child_command';
import type { Popen } from '../../popen/popen';
import { within, type Timeout } from '../../wait/timeout';
import { brokerEnv, call, callSync, send } from './runtime';

/** How often children that nothing keeps the event loop alive for are checked (pool workers, daemons being awaited). */
const UNREF_POLL_MS = 50;

/** Watches, with an unref'd timer, the children awaited without keeping the event loop alive. */
class ExitPoller {
  readonly #watched = new Set<PortablePopen>();
  #timer: NodeJS.Timeout | null = null;
  #polling = false;

  add(popen: PortablePopen): void {
    this.#watched.add(popen);
    if (this.#timer) return;
    this.#timer = setInterval(() => this.#tick(), UNREF_POLL_MS);
    this.#timer.unref();
  }

  delete(popen: PortablePopen): void {
    this.#watched.delete(popen);
    if (this.#watched.size > 0 || !this.#timer) return;
    clearInterval(this.#timer);
    this.#timer = null;
  }

  #tick(): void {
    if (this.#polling) return;
    const popens = [...this.#watched];
    this.#polling = true;
    call('process.poll', [popens.map((p) => p.pid)]).then(
      (codes) => {
        this.#polling = false;
        (codes as Array<number | null>).forEach((code, i) => {
          if (code !== null) popens[i].finished(code);
        });
      },
      () => {
        this.#polling = false; // the I/O thread is gone: the process is ending
      },
    );
  }
}

const exitPoller = new ExitPoller();

class PortablePopen implements Popen {
  readonly sentinel: number;
  #code: number | null = null;
  #resolveExited!: (code: number) => void;
  readonly #exited = new Promise<number>((resolve) => {
    this.#resolveExited = resolve;
  });
  /** Someone awaits the exit (wait()): watched until the child ends. */
  #awaited = false;
  /** The pending wait in the I/O thread that keeps the event loop alive (keepAlive(true)). */
  #keepingAlive: AbortController | null = null;

  constructor(readonly pid: number) {
    this.sentinel = pid;
  }

  finished(code: number): void {
    if (this.#code !== null) return;
    this.#code = code;
    exitPoller.delete(this);
    this.#keepingAlive?.abort();
    this.#keepingAlive = null;
    this.#resolveExited(code);
  }

  poll(): number | null {
    if (this.#code === null) {
      const [code] = callSync('process.poll', [[this.pid]]) as Array<number | null>;
      if (code !== null) this.finished(code);
    }
    return this.#code;
  }

  wait(timeout: Timeout): Promise<number | null> {
    if (this.#code !== null) return Promise.resolve(this.#code);
    if (!this.#awaited) {
      this.#awaited = true;
      if (!this.#keepingAlive) exitPoller.add(this);
    }
    return within(this.#exited, timeout, null);
  }

  waitSync(timeout: Timeout): number | null {
    if (this.#code !== null) return this.#code;
    const code = callSync('process.wait', [this.pid, timeout]) as number | null;
    if (code !== null) this.finished(code);
    return code;
  }

  signal(signal: 'SIGTERM' | 'SIGKILL'): void {
    if (this.#code !== null) return;
    send('process.signal', [this.pid, signal]);
  }

  keepAlive(on: boolean): void {
    if (this.#code !== null) return;
    if (on && !this.#keepingAlive) {
      // A pending call keeps the event loop alive, as a ref'd child would.
      const controller = new AbortController();
      this.#keepingAlive = controller;
      exitPoller.delete(this);
      call('process.wait', [this.pid, null], { signal: controller.signal }).then(
        (code) => this.finished(code as number),
        () => {}, // aborted by keepAlive(false), or the process is ending
      );
    } else if (!on && this.#keepingAlive) {
      this.#keepingAlive.abort();
      this.#keepingAlive = null;
      if (this.#awaited) exitPoller.add(this);
    }
  }

  close(): void {
    send('process.forget', [this.pid]);
  }
}

export const portableSpawnStartMethod: StartMethod = {
  name: 'spawn',
  launch(proc: BaseProcess): Popen {
    const spec = describeForChild(proc);
    if (spec.fds.length > 0) {
      throw new CodedError(
        'ERR_UNCLONABLE',
        'a Process argument carries file descriptors, which the portable backend cannot hand to a child',
      );
    }
    const args = [
      ...childNodeArgs('kernels/portable/spawn_main.js', false),
      mainModulePath() ?? '',
      JSON.stringify(process.argv),
    ];
    const env = { ...process.env, ...brokerEnv(), [BACKEND_ENV]: 'portable' } as Record<string, string>;
    const pid = callSync('process.start', [process.execPath, args, env, spec.bytes]) as number;
    return new PortablePopen(pid);
  },
};
