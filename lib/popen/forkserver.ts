// The `forkserver` start method (the default on Linux and macOS): a clean,
// idle, single-threaded Node process that has imported the main module behind
// the guard forks every child, in milliseconds. Each start() sends the child's
// description and its fds (SCM_RIGHTS) with a fresh socket; the server answers
// on that socket with the child's pid, and later with its exit status.
import { spawn } from 'node:child_process';
import { native, type NativeFdWatch } from '../internal/native';
import { CodedError } from '../errors';
import { describeForChild } from '../child/process_spec';
import { loadFrame } from '../reduction';
import { mainModulePath } from '../internal/function_ref';
import { registerAfterForkInChild } from '../child/after_fork';
import { resourceTrackerFd } from '../resource_tracker';
import type { BaseProcess } from '../process';
import type { StartMethod } from '../context';
import { childNodeArgs } from './child_command';
import { childEnvironment, spawnStartMethod } from './spawn';
import { sentinelReadable, signalIfAlive, type Popen } from './popen';
import { within } from '../wait/timeout';

interface ServerReply {
  /** The first reply: the main module is imported. */
  ready?: boolean;
  /** In the first reply: threads with their own event loop there (forkserver_main.ts, workerThreadCount). */
  workerThreads?: number;
  pid?: number;
  /** What the server could not do, as it was thrown there. */
  error?: Error;
  exitCode?: number;
}

interface Forkserver {
  pid: number;
  socket: number;
  workerThreads: number;
}

let server: Forkserver | null = null;
/** Set once a server had worker threads: every child is then spawned (see launch). */
let spawnInstead = false;

function receive(fd: number): ServerReply | null {
  const message = native.recvMessage(fd);
  return message ? (loadFrame(message.data) as ServerReply) : null;
}

function startForkserver(): Forkserver {
  const [ours, theirs] = native.socketpair();
  native.setNonBlocking(ours, false);
  native.setNonBlocking(theirs, false);
  // The server and every child it forks share this process's resource tracker (fd 4).
  const child = spawn(
    process.execPath,
    [...childNodeArgs('popen/forkserver_main.js', true), mainModulePath() ?? '', JSON.stringify(process.argv)],
    {
      stdio: ['ignore', 'inherit', 'inherit', theirs, resourceTrackerFd()],
      env: childEnvironment(),
    },
  );
  child.unref();
  native.close(theirs);
  // The server says it is ready once the main module is imported (or why it could not be).
  const hello = receive(ours);
  if (!hello || hello.error) {
    native.close(ours);
    const reason = hello?.error;
    // The server's own error (importing the main module failed) is the cause.
    const err = new CodedError(
      'ERR_FORKSERVER_FAILED',
      `the forkserver could not start: ${reason?.message ?? 'it exited before it was ready'}`,
    );
    if (reason) err.cause = reason;
    throw err;
  }
  return { pid: child.pid ?? 0, socket: ours, workerThreads: hello.workerThreads ?? 0 };
}

function forgetServer(): void {
  if (server) native.close(server.socket);
  server = null;
}

// A forked child has its own children to start; it must not share the parent's server socket.
registerAfterForkInChild(() => {
  if (server) {
    try {
      native.close(server.socket);
    } catch {
      /* already closed */
    }
  }
  server = null;
});

class ForkserverPopen implements Popen {
  readonly pid: number;
  readonly sentinel: number;
  private code: number | null = null;
  private closed = false;
  private watch: NativeFdWatch | null = null;
  private exited: Promise<number>;
  private resolveExit!: (code: number) => void;

  constructor(pid: number, statusSocket: number) {
    this.pid = pid;
    this.sentinel = statusSocket;
    this.exited = new Promise((resolve) => {
      this.resolveExit = resolve;
    });
  }

  private readStatus(): number {
    if (this.code !== null) return this.code;
    const reply = receive(this.sentinel);
    // No status means the forkserver itself died; Python reports 255 then.
    this.code = reply?.exitCode ?? 255;
    this.stopWatch();
    this.resolveExit(this.code);
    return this.code;
  }

  poll(): number | null {
    if (this.code === null && sentinelReadable(this.sentinel, 0)) this.readStatus();
    return this.code;
  }

  async wait(timeout: number | null): Promise<number | null> {
    if (this.code !== null) return this.code;
    this.ensureWatch(true);
    return within(this.exited, timeout, null);
  }

  waitSync(timeout: number | null): number | null {
    if (this.code !== null) return this.code;
    // Poll first even without a timeout: a libuv watch may have made the socket non-blocking.
    if (!sentinelReadable(this.sentinel, timeout)) return null;
    return this.readStatus();
  }

  signal(signal: 'SIGTERM' | 'SIGKILL'): void {
    if (this.poll() === null) signalIfAlive(this.pid, signal);
  }

  keepAlive(on: boolean): void {
    if (this.code !== null) return;
    this.ensureWatch(on);
    if (on) this.watch?.ref();
    else this.watch?.unref();
  }

  private ensureWatch(ref: boolean): void {
    if (this.watch || this.code !== null) return;
    this.watch = new native.FdWatch(this.sentinel, () => this.readStatus());
    if (!ref) this.watch.unref();
  }

  private stopWatch(): void {
    this.watch?.stop();
    this.watch = null;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopWatch();
    native.close(this.sentinel);
  }
}

function requestChild(
  forkserver: Forkserver,
  spec: { bytes: Buffer; fds: number[] },
): { pid: number; statusSocket: number } | 'server-gone' {
  const [ours, theirs] = native.socketpair();
  native.setNonBlocking(ours, false);
  try {
    native.sendMessage(forkserver.socket, spec.bytes, [theirs, ...spec.fds]);
  } catch (err) {
    native.close(ours);
    native.close(theirs);
    if ((err as NodeJS.ErrnoException).code === 'EPIPE' || (err as NodeJS.ErrnoException).code === 'ECONNRESET')
      return 'server-gone';
    throw err;
  }
  native.close(theirs);
  const reply = receive(ours);
  if (!reply) {
    native.close(ours);
    return 'server-gone';
  }
  if (reply.error) {
    native.close(ours);
    throw reply.error;
  }
  return { pid: reply.pid!, statusSocket: ours };
}

export const forkserverStartMethod: StartMethod = {
  name: 'forkserver',
  launch(proc: BaseProcess): Popen {
    if (!spawnInstead) {
      server ??= startForkserver();
      if (server.workerThreads > 0) giveUpForking(server.workerThreads);
    }
    if (spawnInstead) return spawnStartMethod.launch(proc);
    const spec = describeForChild(proc);
    for (let attempt = 0; attempt < 2; attempt++) {
      server ??= startForkserver();
      const result = requestChild(server, spec);
      if (result !== 'server-gone') return new ForkserverPopen(result.pid, result.statusSocket);
      forgetServer(); // it died: the next attempt starts a new one
    }
    throw new CodedError('ERR_FORKSERVER_FAILED', 'the forkserver died twice while starting a process');
  },
};

/**
 * A thread with its own event loop in the server (the module loader's hooks
 * thread of module.register(), as tsx uses on Node 20, or a worker the main
 * module started) does not exist in a child forked from it: the child's first
 * import() would wait for it forever. Such children are spawned instead.
 */
function giveUpForking(workerThreads: number): void {
  spawnInstead = true;
  forgetServer(); // it reads end-of-file and exits
  process.emitWarning(
    `posix-multiprocessing starts forkserver children with spawn: after importing the main module the forkserver ` +
      `runs ${workerThreads} worker thread(s) (module customisation hooks registered with module.register(), ` +
      `as tsx does on Node 20, or a worker started at import), which a forked child would lack, hanging its first ` +
      `import(). Children start slower but work; hooks registered with module.registerHooks() run in-thread and ` +
      `keep forking.`,
    { code: 'PMP_FORKSERVER_SPAWNS' },
  );
}

/** The forkserver's pid, if one is running (for tests and diagnostics). */
export function forkserverPid(): number | null {
  return server?.pid ?? null;
}
