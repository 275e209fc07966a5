// The forkserver process: `node --single-threaded forkserver_main.js <main> <argv as JSON>`,
// with the control socket on fd 3. It imports the main module behind the
// guard, says it is ready, then waits idle; each request is forked from here.
import v8 from 'node:v8';
import { native } from './native';
import * as posix from './posix';
import { waitForExit } from './child_watch';
import { enterChild, runToExitCode } from './bootstrap';
import { importMainModule } from './main_module';
import { importSpecFunctions, instantiate, readSpec } from './process_spec';
import { exitCodeOf } from './popen/popen';
import { current } from './current_process';
import { registerAfterForkInChild } from './after_fork';
import './index'; // every library object registers how to rebuild itself

const CONTROL = 3;
const SIGKILL = 9;

function reply(fd: number, message: object): void {
  native.sendMessage(fd, v8.serialize(message), []);
}

function errorReply(err: unknown): { error: { code: string; message: string } } {
  const e = err as { code?: string; message?: string };
  return { error: { code: e.code ?? 'ERR_FORKSERVER_FAILED', message: e.message ?? String(err) } };
}

/** Status sockets of running children, closed in each new child. */
const statusSockets = new Set<number>();

async function serve(request: { data: Buffer; fds: number[] }): Promise<void> {
  const [statusSocket, ...objectFds] = request.fds;
  let pid: number;
  let spec;
  let fns;
  try {
    spec = readSpec(request.data);
    fns = await importSpecFunctions(spec);
    pid = await posix.forkWhenIdle({ timeout: 10000 });
  } catch (err) {
    reply(statusSocket, errorReply(err));
    native.close(statusSocket);
    for (const fd of objectFds) native.close(fd);
    return;
  }
  if (pid === 0) {
    native.close(CONTROL);
    for (const fd of statusSockets) native.close(fd);
    native.close(statusSocket);
    let code: number;
    try {
      const proc = instantiate(spec, fns, objectFds);
      enterChild(proc, spec.identity, false);
      code = await runToExitCode(proc);
    } catch (err) {
      process.stderr.write(`Process ${spec.identity.name}:\n${(err as Error)?.stack ?? String(err)}\n`);
      code = 1;
    }
    posix.exit(code);
  }
  for (const fd of objectFds) native.close(fd);
  statusSockets.add(statusSocket);
  reply(statusSocket, { pid });
  void reportExit(pid, statusSocket); // the next request need not wait for this child
}

async function reportExit(pid: number, statusSocket: number): Promise<void> {
  const status = await waitForExit(pid);
  try {
    reply(statusSocket, { exitCode: exitCodeOf(status) });
  } catch {
    // the parent closed its end (it is gone or called close())
  }
  statusSockets.delete(statusSocket);
  native.close(statusSocket);
}

async function main(): Promise<void> {
  native.setParentDeathSignal(SIGKILL); // never outlive the process we serve
  native.setNonBlocking(CONTROL, false);
  current.isMain = false;
  try {
    await importMainModule(process.argv[2] || null, JSON.parse(process.argv[3]));
  } catch (err) {
    reply(CONTROL, errorReply(err));
    posix.exit(1);
  }
  reply(CONTROL, { ready: true });
  // Requests are served one at a time, in order.
  let queue = Promise.resolve();
  const watch = new native.FdWatch(CONTROL, () => {
    const request = native.recvMessage(CONTROL);
    if (request === null) {
      watch.stop();
      posix.exit(0); // the parent is gone; orphaned children carry on, as in Python
    }
    queue = queue.then(() => serve(request!)).catch((err) => {
      process.stderr.write(`forkserver: ${(err as Error)?.stack ?? String(err)}\n`);
    });
  });
  // A child must stop polling the control socket before it closes it.
  registerAfterForkInChild(() => watch.stop());
  watch.unref(); // running children (watched by pid) and the socket keep us alive
  setInterval(() => {}, 1 << 30); // stay alive while idle
}

void main();
