// The I/O-thread service 'process' (portable backend): the children this
// process started with the spawn start method live here, in its I/O thread,
// so that joinSync() can block the main thread in Atomics.wait while this
// thread's event loop sees the child end. Each child gets its description,
// then keeps, on its fd 3, the lifeline: a pipe whose other end only this
// process holds, so that the child sees EOF when we end, however we end.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import type { Writable } from 'node:stream';
import { CodedError } from '../../../errors';
import { LIFELINE_FD } from '../lifeline';
import { defineService, type CallContext } from './local_services';

interface Child {
  readonly process: ChildProcess;
  /** n, or -signal, once the child has ended. */
  code: number | null;
  readonly exited: Promise<number>;
}

const children = new Map<number, Child>();

function exitCode(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  return -((signal && (os.constants.signals[signal] as number)) || 0);
}

function childOf(pid: number): Child {
  const child = children.get(pid);
  if (!child) throw new CodedError('ERR_PROCESS_NOT_STARTED', `process ${pid} was not started by this process`);
  return child;
}

/** A frame: the description's length (4 bytes, little-endian), then the description. */
function framed(description: Uint8Array): Buffer {
  const bytes = Buffer.allocUnsafe(4 + description.length);
  bytes.writeUInt32LE(description.length, 0);
  bytes.set(description, 4);
  return bytes;
}

function start(
  _ctx: CallContext,
  file: string,
  args: string[],
  env: Record<string, string>,
  description: Uint8Array,
): number | Promise<never> {
  const proc = spawn(file, args, {
    stdio: ['inherit', 'inherit', 'inherit', 'pipe'],
    env,
    windowsHide: true,
  });
  if (proc.pid === undefined) {
    // spawn() failed (EAGAIN, ENOMEM, ...): its 'error' event carries the errno error, for the caller.
    return new Promise((_resolve, reject) => proc.once('error', reject));
  }
  const lifeline = proc.stdio[LIFELINE_FD] as Writable & net.Socket;
  lifeline.on('error', () => {}); // the child ended before reading its description: its exit says so
  lifeline.write(framed(description));
  lifeline.unref?.();
  proc.unref(); // the caller decides what keeps its event loop alive (Popen.keepAlive)
  const child: Child = {
    process: proc,
    code: null,
    exited: new Promise((resolve) => {
      proc.once('exit', (code, signal) => {
        child.code = exitCode(code, signal);
        lifeline.destroy();
        resolve(child.code);
      });
    }),
  };
  children.set(proc.pid, child);
  return proc.pid;
}

/** The exit code, or null when `timeoutMs` passed first (null: wait forever). */
function wait(ctx: CallContext, pid: number, timeoutMs: number | null): number | null | Promise<number | null> {
  const child = childOf(pid);
  if (child.code !== null) return child.code;
  if (timeoutMs !== null && timeoutMs <= 0) return null;
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const done = (code: number | null): void => {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', onAbort);
      resolve(code);
    };
    // An aborted wait only stops waiting (the caller sees its AbortError).
    const onAbort = (): void => done(null);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs !== null) timer = setTimeout(() => done(null), timeoutMs);
    void child.exited.then(done);
  });
}

/** The exit codes of `pids` (null: still running); never waits. */
function poll(_ctx: CallContext, pids: number[]): Array<number | null> {
  return pids.map((pid) => childOf(pid).code);
}

function signal(_ctx: CallContext, pid: number, name: 'SIGTERM' | 'SIGKILL' | 'SIGINT'): void {
  const child = childOf(pid);
  if (child.code === null) child.process.kill(name);
}

/** Forgets an ended child (Process.close()). */
function forget(_ctx: CallContext, pid: number): void {
  const child = children.get(pid);
  if (child?.code !== null) children.delete(pid);
}

/**
 * In a spawned child: SIGTERM this process when its lifeline reaches EOF (the
 * parent ended). Watched here, in the I/O thread, so that it works while the
 * main thread is busy in a CPU loop.
 */
function watchLifeline(_ctx: CallContext, fd: number): void {
  const lifeline = new net.Socket({ fd, readable: true, writable: false });
  const parentGone = (): void => {
    process.kill(process.pid, 'SIGTERM');
  };
  lifeline.on('data', () => {}); // nothing more is sent; reading is how EOF is seen
  lifeline.once('end', parentGone);
  lifeline.once('error', parentGone);
  lifeline.unref();
}

defineService('process', { start, wait, poll, signal, forget, watchLifeline });
