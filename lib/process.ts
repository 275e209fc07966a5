// Python's BaseProcess: construct with a target (or subclass and override
// run()), start, join, terminate. How a child is started is not decided here:
// the context (context.ts) owns the start methods and gives the Process classes
// it makes their launcher, so this module imports no start method.
import os from 'node:os';
import { CodedError, CodedTypeError, type ErrorCode } from './errors';
import { current, nextChildIdentity, ownPid, type ProcessIdentity } from './internal/current_process';
import { atLibraryExit } from './internal/exit_tasks';
import type { Popen } from './popen/popen';
import { toTimeout } from './wait/timeout';

export interface ProcessOptions {
  target?: (...args: any[]) => unknown;
  args?: unknown[];
  kwargs?: Record<string, unknown>;
  name?: string;
  daemon?: boolean;
}

/** Marks the Process classes getContext() makes: they are the library's, not user subclasses. */
export const kContextClass = Symbol('posix-multiprocessing.contextProcess');

/** Starts a child for a process object under some start method (given by the context). */
export type Launcher = (proc: BaseProcess) => Popen;

/** Where a Process class keeps its launcher: context.ts sets it on each class it makes. */
export const kLauncher = Symbol('posix-multiprocessing.launcher');

/** Internal state, kept under a symbol so a subclass's own fields are exactly the user's. */
export const kState = Symbol('posix-multiprocessing.process');

export interface ProcessState {
  target: ((...args: any[]) => unknown) | null;
  args: unknown[];
  kwargs: Record<string, unknown> | null;
  name: string;
  daemon: boolean;
  identity: number[];
  parentPid: number;
  popen: Popen | null;
  exitcode: number | null;
  closed: boolean;
  /** Set in the child: this object is the running process itself. */
  isSelf: boolean;
}

const children = new Set<BaseProcess>();
// A finished Process dropped without close() still releases its sentinel and
// watchers when collected (Python's Popen has the same finalizer). Running
// children stay in `children`, so they are never collected early.
const releaseOnCollect = new FinalizationRegistry<Popen>((popen) => {
  try {
    popen.close();
  } catch {
    /* already released */
  }
});

function misuse(code: ErrorCode, message: string): CodedError {
  return new CodedError(code, message);
}

export class BaseProcess {
  declare static [kLauncher]: Launcher | undefined;

  declare [kState]: ProcessState;

  constructor(opts: ProcessOptions = {}) {
    if (typeof opts !== 'object' || opts === null) {
      throw new CodedTypeError(
        'ERR_INVALID_ARG_TYPE',
        'new Process(opts): opts must be an object like { target, args }',
      );
    }
    const { target, args = [], kwargs, name, daemon } = opts;
    if (target !== undefined && target !== null && typeof target !== 'function') {
      throw new CodedTypeError('ERR_INVALID_ARG_TYPE', `Process target must be a function, got ${typeof target}`);
    }
    if (!Array.isArray(args)) throw new CodedTypeError('ERR_INVALID_ARG_TYPE', 'Process args must be an array');
    if (kwargs !== undefined && (typeof kwargs !== 'object' || kwargs === null)) {
      throw new CodedTypeError('ERR_INVALID_ARG_TYPE', 'Process kwargs must be an object');
    }
    if (name !== undefined && typeof name !== 'string')
      throw new CodedTypeError('ERR_INVALID_ARG_TYPE', 'Process name must be a string');
    const identity = nextChildIdentity();
    Object.defineProperty(this, kState, {
      enumerable: false,
      writable: true,
      value: {
        target: target ?? null,
        args: [...args],
        kwargs: kwargs ?? null,
        name: name ?? `Process-${identity.join(':')}`,
        daemon: daemon ?? current.identity.daemon,
        identity,
        parentPid: ownPid(),
        popen: null,
        exitcode: null,
        closed: false,
        isSelf: false,
      } satisfies ProcessState,
    });
  }

  /** The child's work: calls target(...args[, kwargs]). Override in a subclass. */
  run(): unknown {
    const state = this[kState];
    if (!state.target) return undefined;
    return state.kwargs ? state.target(...state.args, state.kwargs) : state.target(...state.args);
  }

  start(): void {
    const state = this[kState];
    this.checkNotClosed();
    if (state.popen || state.isSelf)
      throw misuse(
        'ERR_PROCESS_ALREADY_STARTED',
        `cannot start ${state.name} twice: a process can only be started once`,
      );
    if (state.parentPid !== ownPid()) {
      throw misuse(
        'ERR_PROCESS_NOT_OURS',
        `can only start a process object created by this process (${state.name} was created by pid ${state.parentPid})`,
      );
    }
    if (current.identity.daemon) {
      throw misuse(
        'ERR_DAEMON_CHILDREN',
        `daemonic processes are not allowed to have children (${current.identity.name} is a daemon)`,
      );
    }
    if (current.bootstrapping) {
      throw misuse(
        'ERR_BOOTSTRAP_NOT_DONE',
        'An attempt has been made to start a new process before the current process has finished its ' +
          'bootstrapping phase. This probably means that you are not using fork to start your child processes ' +
          'and you have forgotten to use the proper idiom in the main module:\n\n' +
          '    if (isMainProcess()) {\n        main();\n    }\n\n' +
          'The main module is imported again in every child started by forkserver or spawn; the guard stops ' +
          'the child from starting processes of its own while it does.',
      );
    }
    reapFinishedChildren();
    const launch = (this.constructor as typeof BaseProcess)[kLauncher];
    if (!launch)
      throw misuse(
        'ERR_NO_START_METHOD',
        `cannot start ${state.name}: use the package's Process or a context's Process, which know a start method`,
      );
    state.popen = launch(this);
    state.popen.keepAlive(!state.daemon);
    releaseOnCollect.register(this, state.popen, this);
    children.add(this);
  }

  async join(timeout?: number | null): Promise<void> {
    const popen = this.startedPopen('join');
    const wait = toTimeout(timeout, 'Process.join()');
    popen.keepAlive(true); // a pending join keeps the loop alive, daemon or not
    try {
      const code = await popen.wait(wait);
      if (code !== null) this.finished(code);
    } finally {
      if (this[kState].exitcode === null) popen.keepAlive(!this[kState].daemon);
    }
  }

  joinSync(timeout?: number | null): void {
    const popen = this.startedPopen('join');
    const code = popen.waitSync(toTimeout(timeout, 'Process.joinSync()'));
    if (code !== null) this.finished(code);
  }

  isAlive(): boolean {
    const state = this[kState];
    this.checkNotClosed();
    if (state.isSelf) return true;
    if (!state.popen) return false;
    return this.exitcode === null;
  }

  terminate(): void {
    this.startedPopen('terminate').signal('SIGTERM');
  }

  kill(): void {
    this.startedPopen('kill').signal('SIGKILL');
  }

  close(): void {
    const state = this[kState];
    if (state.closed) return;
    if (!state.popen) throw misuse('ERR_PROCESS_NOT_STARTED', `cannot close ${state.name}: it was never started`);
    if (this.exitcode === null) {
      throw misuse(
        'ERR_PROCESS_RUNNING',
        `cannot close ${state.name} while it is still running; call join() or terminate() first`,
      );
    }
    state.popen.close();
    releaseOnCollect.unregister(this);
    state.closed = true;
    children.delete(this);
  }

  get name(): string {
    return this[kState].name;
  }

  set name(value: string) {
    if (typeof value !== 'string') throw new CodedTypeError('ERR_INVALID_ARG_TYPE', 'name must be a string');
    this[kState].name = value;
  }

  get daemon(): boolean {
    return this[kState].daemon;
  }

  set daemon(value: boolean) {
    if (this[kState].popen || this[kState].isSelf) {
      throw misuse(
        'ERR_PROCESS_ALREADY_STARTED',
        `cannot set daemon on ${this[kState].name}: the process has already started`,
      );
    }
    this[kState].daemon = Boolean(value);
  }

  get pid(): number | undefined {
    const state = this[kState];
    if (state.isSelf) return ownPid();
    return state.popen?.pid;
  }

  get ident(): number | undefined {
    return this.pid;
  }

  get exitcode(): number | null {
    const state = this[kState];
    this.checkNotClosed();
    if (state.exitcode === null && state.popen) {
      const code = state.popen.poll();
      if (code !== null) this.finished(code);
    }
    return state.exitcode;
  }

  get sentinel(): number {
    const state = this[kState];
    this.checkNotClosed();
    if (!state.popen) throw misuse('ERR_PROCESS_NOT_STARTED', `${state.name} has no sentinel: it was never started`);
    return state.popen.sentinel;
  }

  get authkey(): Buffer {
    return current.identity.authkey;
  }

  toString(): string {
    const state = this[kState];
    const status = state.isSelf
      ? 'started'
      : !state.popen
        ? 'initial'
        : this.exitcode === null
          ? 'started'
          : `stopped exitcode=${this.exitcode}`;
    return `<${this.constructor.name} name='${state.name}' pid=${this.pid ?? 'None'} ${status}${state.daemon ? ' daemon' : ''}>`;
  }

  private startedPopen(action: string): Popen {
    const state = this[kState];
    this.checkNotClosed();
    if (state.isSelf) throw misuse('ERR_PROCESS_JOIN_SELF', `${state.name} cannot ${action} itself`);
    if (!state.popen)
      throw misuse(
        'ERR_PROCESS_NOT_STARTED',
        `cannot ${action} ${state.name}: it was never started (call start() first)`,
      );
    return state.popen;
  }

  private checkNotClosed(): void {
    if (this[kState].closed)
      throw misuse('ERR_PROCESS_CLOSED', `${this[kState].name} has been closed; it can no longer be used`);
  }

  private finished(code: number): void {
    const state = this[kState];
    state.exitcode = code;
    state.popen?.keepAlive(false);
    children.delete(this);
  }
}

/** Who the child of `proc` will be: its name and identity, with this process as its parent. */
export function identityForChild(proc: BaseProcess): ProcessIdentity {
  const state = proc[kState];
  return {
    name: state.name,
    identity: state.identity,
    daemon: state.daemon,
    authkey: current.identity.authkey,
    parentPid: state.parentPid,
    parentName: current.identity.name,
  };
}

function reapFinishedChildren(): void {
  for (const child of children) void child.exitcode;
}

/** Python's active_children(): children started here and still running. */
export function activeChildren(): BaseProcess[] {
  reapFinishedChildren();
  return [...children];
}

export function forgetChildrenInNewProcess(): void {
  children.clear();
}

/** Python's cpu_count(). */
export function cpuCount(): number {
  return os.availableParallelism();
}

// Python's atexit handling: daemon children are terminated, the others joined.
let exitHandlerInstalled = false;
export function installExitHandler(): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  atLibraryExit(() => {
    for (const child of [...children]) {
      try {
        if (child.daemon && child.exitcode === null) child.terminate();
      } catch {
        // already gone
      }
    }
    for (const child of [...children]) {
      try {
        child.joinSync();
      } catch {
        // closed or gone
      }
    }
  });
}
