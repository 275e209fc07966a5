// What the forkserver process does once its entry (forkserver_main.ts) has
// loaded the library: import the main module behind the guard, say it is
// ready, then wait idle; each request is forked from here. Loaded only by
// that entry; a packed module rather than the entry itself, so that it is
// compiled with the library (lib/internal/eager_compile.ts).
import { native } from '../internal/native';
import * as posix from '../posix';
import { waitForExit } from '../wait/child_watch';
import { runDescribedChild } from '../child/described_child';
import { runLibraryExitTasks } from '../internal/exit_tasks';
import { importMainModule } from '../child/main_module';
import { importedModules } from '../internal/function_ref';
import { channels, dumpFrame } from '../reduction';
import { importSpecFunctions, readSpec, type ChildSpec, type SpecFunctions } from '../child/process_spec';
import { exitCodeOf } from './popen';
import { current } from '../internal/current_process';
import { registerAfterForkInChild } from '../child/after_fork';
import { saveCompileCache } from '../internal/compile_cache';
import '../index'; // every library object registers how to rebuild itself

const CONTROL = 3;
/** Our children's OS parent: they end when we do (lib/kernels/posix/processes.ts, endWithParent). */
const serverPid = native.getpid();
const SIGKILL = 9;

function reply(fd: number, message: object): void {
  native.sendMessage(fd, dumpFrame(message, channels.control).bytes, []);
}

/** Status sockets of running children, closed in each new child. */
const statusSockets = new Set<number>();

/** A child forked ahead of time, already fixed up, waiting for its description. */
interface WarmChild {
  pid: number;
  socket: number;
}

// A warm child may only run targets from modules imported before it was
// forked: it must never use the module loader itself, whose customisation
// hooks (tsx) run on a thread that does not exist in a forked child.
function warmChildCanRun(spec: ChildSpec): boolean {
  return [spec.target, spec.subclass].every((ref) => ref === null || alreadyImportedAtWarmFork.has(ref.moduleUrl));
}

let alreadyImportedAtWarmFork = new Set<string>();

let warm: WarmChild | null = null;

/** A forked child, once it knows what to run: run it, then exit as a fork child does. */
async function runChild(
  spec: ChildSpec,
  importFunctions: () => Promise<SpecFunctions>,
  objectFds: number[],
): Promise<never> {
  const code = await runDescribedChild({ spec, importFunctions, objectFds, osParentPid: serverPid });
  runLibraryExitTasks(); // join its own children, as fork children do (the 'exit' listeners here are the server's)
  return posix.exit(code);
}

function leaveServerState(): void {
  native.close(CONTROL);
  for (const fd of statusSockets) native.close(fd);
}

/**
 * Forks the next child now, so a start() only has to hand it its description:
 * the fork and the child's fix-ups are off the critical path.
 */
async function prepareWarmChild(): Promise<void> {
  if (warm) return;
  const [ours, theirs] = native.socketpair();
  native.setNonBlocking(ours, false);
  native.setNonBlocking(theirs, false);
  let pid: number;
  const importedNow = new Set(importedModules());
  try {
    pid = await posix.forkWhenIdle({ timeout: 10000 });
  } catch {
    native.close(ours);
    native.close(theirs);
    return; // not idle now: the next request forks on demand
  }
  if (pid === 0) {
    leaveServerState();
    native.close(ours);
    const request = native.recvMessage(theirs); // sleeps here until used
    native.close(theirs);
    if (request === null) posix.exit(0); // the server is gone
    const spec = readSpec(request!.data);
    await runChild(spec, () => importSpecFunctions(spec), request!.fds);
  }
  native.close(theirs);
  warm = { pid, socket: ours };
  alreadyImportedAtWarmFork = importedNow;
}

function discardWarmChild(): void {
  if (!warm) return;
  native.close(warm.socket); // it reads end-of-file and exits
  void waitForExit(warm.pid).catch(() => {});
  warm = null;
}

/** Hands the description to the warm child; its pid, or null if it is gone. */
function useWarmChild(data: Buffer, objectFds: number[]): number | null {
  const child = warm;
  warm = null;
  if (!child) return null;
  try {
    native.sendMessage(child.socket, data, objectFds);
    return child.pid;
  } catch {
    void waitForExit(child.pid).catch(() => {}); // it died while waiting: reap it
    return null;
  } finally {
    native.close(child.socket);
  }
}

async function serve(request: { data: Buffer; fds: number[] }): Promise<void> {
  const [statusSocket, ...objectFds] = request.fds;
  if (statusSocket === undefined) return; // no socket to answer on: not a request start() sent
  let pid: number | null;
  let spec: ChildSpec;
  let fns: SpecFunctions;
  try {
    spec = readSpec(request.data);
    const warmUsable = warmChildCanRun(spec);
    fns = await importSpecFunctions(spec); // here too, so start() gets the error
    if (!warmUsable) discardWarmChild(); // the next one will know this module
    pid = useWarmChild(request.data, objectFds);
    pid ??= await posix.forkWhenIdle({ timeout: 10000 });
  } catch (err) {
    reply(statusSocket, { error: err });
    native.close(statusSocket);
    for (const fd of objectFds) native.close(fd);
    return;
  }
  if (pid === 0) {
    leaveServerState();
    native.close(statusSocket);
    await runChild(spec, async () => fns, objectFds);
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

/**
 * Threads with their own event loop, which a forked child would not have:
 * the module loader's hooks thread (module.register(), which tsx uses on
 * Node 20) or a worker the main module started. process.report lists both.
 */
function workerThreadCount(): number {
  const report = process.report?.getReport() as { workers?: unknown[] } | undefined;
  return report?.workers?.length ?? 0;
}

export async function runForkserver(): Promise<void> {
  native.setParentDeathSignal(SIGKILL); // never outlive the process we serve
  native.setNonBlocking(CONTROL, false);
  current.isMain = false;
  try {
    await importMainModule(process.argv[2] || null, JSON.parse(process.argv[3]));
  } catch (err) {
    reply(CONTROL, { error: err });
    posix.exit(1);
  }
  reply(CONTROL, { ready: true, workerThreads: workerThreadCount() });
  // We never exit the way Node writes its compile cache at exit: write it now,
  // so the next forkserver starts from it.
  saveCompileCache();
  // Loading left free memory in malloc's heap; each fork would copy its page
  // table, and copy on write what is reused of it.
  native.trimFreeMemory();
  // Requests are served one at a time, in order; a warm child is ready between them.
  let queue = Promise.resolve();
  const watch = new native.FdWatch(CONTROL, () => {
    const request = native.recvMessage(CONTROL);
    if (request === null) {
      watch.stop();
      posix.exit(0); // the parent is gone; orphaned children carry on, as in Python
    }
    queue = queue
      .then(() => serve(request!))
      .then(prepareWarmChild)
      .catch((err) => {
        process.stderr.write(`forkserver: ${(err as Error)?.stack ?? String(err)}\n`);
      });
  });
  // A child must stop polling the control socket before it closes it.
  registerAfterForkInChild(() => watch.stop());
  queue = queue.then(prepareWarmChild); // only now: a child forked earlier would poll a closed fd
  watch.unref(); // running children (watched by pid) and the socket keep us alive
  setInterval(() => {}, 1 << 30); // stay alive while idle
}
