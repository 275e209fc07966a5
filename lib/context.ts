// Contexts (Python's multiprocessing.context): the start methods, which one is
// the default, and the Process classes bound to each. This module owns the
// start-method table and hands each Process class its launcher, so the process
// and start-method modules never import each other.
import { CodedError } from './errors';
import { kernels } from './backend';
import { current } from './internal/current_process';
import { BaseProcess, kContextClass, kLauncher, kState, installExitHandler, type Launcher } from './process';
import { atDeadline, now, toTimeout } from './wait/timeout';
import type { Popen } from './popen/popen';

export type StartMethodName = 'fork' | 'forkserver' | 'spawn';

/** A start method (Python's Popen classes): how a child is made for a process object. */
export interface StartMethod {
  readonly name: StartMethodName;
  launch(proc: BaseProcess): Popen;
}

let chosen: StartMethodName | null = null;

export function getAllStartMethods(): StartMethodName[] {
  return [...kernels().startMethods];
}

function assertStartMethod(method: unknown): asserts method is StartMethodName {
  if (!getAllStartMethods().includes(method as StartMethodName)) {
    throw new CodedError(
      'ERR_UNKNOWN_START_METHOD',
      `cannot find context for '${String(method)}': the start methods here are ${getAllStartMethods()
        .map((m) => `'${m}'`)
        .join(', ')}`,
    );
  }
}

export function getStartMethod(allowNone = false): StartMethodName | null {
  if (chosen === null && !allowNone) chosen = getAllStartMethods()[0];
  return chosen;
}

export function setStartMethod(method: StartMethodName | null, opts: { force?: boolean } = {}): void {
  if (chosen !== null && !opts.force) {
    throw new CodedError(
      'ERR_CONTEXT_ALREADY_SET',
      `the start method has already been set to '${chosen}'; pass { force: true } to change it`,
    );
  }
  if (method !== null) assertStartMethod(method);
  chosen = method;
}

function launcherOf(method: StartMethodName): Launcher {
  return (proc) => kernels().startMethod(method).launch(proc);
}

/**
 * Python's multiprocessing.Process: started under the default start method
 * (getStartMethod()) as it is when start() is called.
 */
export class Process extends BaseProcess {
  static override [kLauncher]: Launcher = (proc) => launcherOf(getStartMethod()!)(proc);
}
Object.defineProperty(Process, kContextClass, { value: true });

export interface Context {
  readonly startMethod: StartMethodName;
  Process: typeof Process;
  getStartMethod(): StartMethodName;
}

const contexts = new Map<StartMethodName, Context>();

/** A context for `method` (or the default start method), with every constructor bound to it. */
export function getContext(method?: StartMethodName | null): Context {
  const name = method ?? getStartMethod()!;
  assertStartMethod(name);
  let context = contexts.get(name);
  if (!context) {
    const ContextProcess = class extends Process {
      static override [kLauncher] = launcherOf(name);
    };
    Object.defineProperty(ContextProcess, 'name', { value: 'Process' });
    Object.defineProperty(ContextProcess, kContextClass, { value: true });
    context = { startMethod: name, Process: ContextProcess, getStartMethod: () => name };
    contexts.set(name, context);
  }
  return context;
}

/** The Process object that stands for the calling process (Python's current_process()). */
export function currentProcess(): Process {
  if (!current.processObject) {
    const main = Object.create(Process.prototype) as Process;
    Object.defineProperty(main, kState, {
      enumerable: false,
      writable: true,
      value: {
        target: null,
        args: [],
        kwargs: null,
        name: current.identity.name,
        daemon: false,
        identity: [],
        parentPid: 0,
        popen: null,
        exitcode: null,
        closed: false,
        isSelf: true,
      },
    });
    current.processObject = main;
  }
  return current.processObject as Process;
}

/** The process that started this one (not the forkserver), or null in the main process. */
export function parentProcess(): ParentProcess | null {
  const { parentPid, parentName } = current.identity;
  return parentPid === null ? null : new ParentProcess(parentPid, parentName ?? 'MainProcess');
}

/** Stands for this process's parent: it can be watched, not controlled. */
export class ParentProcess {
  constructor(
    readonly pid: number,
    readonly name: string,
  ) {}

  get ident(): number {
    return this.pid;
  }

  isAlive(): boolean {
    try {
      process.kill(this.pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  async join(timeout?: number | null): Promise<void> {
    const limit = toTimeout(timeout, 'ParentProcess.join()');
    await new Promise<void>((resolve) => {
      let cancelTimer: (() => void) | undefined;
      const watch = kernels().processes.watchExit(this.pid, () => {
        cancelTimer?.();
        resolve();
      });
      if (limit !== null)
        cancelTimer = atDeadline(
          now() + limit,
          () => {
            watch.cancel();
            resolve();
          },
          false,
        );
    });
  }
}

installExitHandler();
