// Contexts (Python's multiprocessing.get_context): the same constructors, bound
// to one start method; and the functions that pick the default one.
import { current } from './current_process';

import { kContextClass, kState, Process, installExitHandler } from './process';
import { onProcessExit } from './pid_watch';
import { atDeadline, now, toTimeout } from './wait/timeout';
import { assertStartMethod, getStartMethod, type StartMethodName } from './start_methods';

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
    class ContextProcess extends Process {
      constructor(...args: ConstructorParameters<typeof Process>) {
        super(...args);
        this[kState].method = name;
      }
    }
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
        target: null, args: [], kwargs: null, name: current.identity.name, daemon: false, identity: [],
        parentPid: 0, popen: null, exitcode: null, closed: false, method: null, isSelf: true,
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
  constructor(readonly pid: number, readonly name: string) {}

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
      const watch = onProcessExit(this.pid, () => { cancelTimer?.(); resolve(); });
      if (limit !== null) cancelTimer = atDeadline(now() + limit, () => { watch.cancel(); resolve(); }, false);
    });
  }
}


installExitHandler();
