// Python's resource tracker: every named OS object (shared-memory segments,
// named semaphores) is unlinked once the last process that could use it is gone,
// even when every process of the tree was SIGKILLed.
//
// As in CPython, the tracker is a separate process reading one pipe. Every
// process of the tree holds the pipe's write end: a forked child inherits it, a
// spawned (exec'd) child gets it passed (resourceTrackerFd() and the
// PMP_RESOURCE_TRACKER_FD variable). Registrations are single atomic writes
// (< PIPE_BUF), synchronous, and buffered by the kernel if the tracker is still
// starting, so nothing waits for it. When the last write end closes (every user
// exited or was killed), the tracker reads EOF, unlinks whatever is still
// registered, and exits. It is started through `sh -c '... &'` in its own
// session, so it is reparented away from the tree and killing the tree (or its
// process group) does not kill it.
import fs from 'node:fs';
import path from 'node:path';
import { kernels, requirePosix } from './backend';
import { CodedTypeError } from './errors';

/** shm: a shared-memory segment; sem: a named semaphore; dir: a private socket directory (removed recursively). */
export type ResourceKind = 'shm' | 'sem' | 'dir';

/** Environment variable naming the tracker pipe's fd in a spawned child. */
export const TRACKER_FD_ENV = 'PMP_RESOURCE_TRACKER_FD';

const NAME = /^[A-Za-z0-9._-]{1,250}$/;
// Only the library's own private directories: an absolute path ending in pmp-<random>.
const DIRECTORY = /^\/[^\n]*\/pmp-[A-Za-z0-9_-]{1,64}$/;

let trackerFd: number | null = adoptInheritedFd();
// What this process registered, to re-register with a new tracker if the old one died.
const registeredHere = new Set<string>();

function adoptInheritedFd(): number | null {
  const value = process.env[TRACKER_FD_ENV];
  if (value === undefined) return null;
  delete process.env[TRACKER_FD_ENV]; // the number means nothing in our own children
  const fd = Number(value);
  try {
    if (Number.isInteger(fd) && fs.fstatSync(fd).isFIFO()) return fd;
  } catch {
    // not open here: start our own tracker when needed
  }
  return null;
}

function startTracker(): number {
  // Under portable the broker holds named objects and cleans up after the tree.
  requirePosix('the resource tracker');
  const [readFd, writeFd] = kernels().processes.posix!.pipe();
  const main = path.join(__dirname, 'internal', 'resource_tracker_process.js');
  try {
    // `sh` backgrounds the tracker and exits at once: the tracker is
    // reparented to init (or the nearest subreaper), outside this tree.
    // node:child_process (~2 ms to load) only here: most processes inherit a tracker.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { spawn } = require('node:child_process') as typeof import('node:child_process');
    const child = spawn('/bin/sh', ['-c', '"$0" "$@" &', process.execPath, main], {
      detached: true,
      stdio: ['ignore', 'ignore', 'ignore', readFd],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    child.unref();
  } finally {
    fs.closeSync(readFd);
  }
  return writeFd;
}

function send(line: string): void {
  if (trackerFd === null) trackerFd = startTracker();
  try {
    fs.writeSync(trackerFd, line);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPIPE') throw err;
    // The tracker died (killed on its own): start a new one and tell it everything.
    fs.closeSync(trackerFd);
    trackerFd = startTracker();
    for (const key of registeredHere) fs.writeSync(trackerFd, `REGISTER:${key}\n`);
    fs.writeSync(trackerFd, line);
  }
}

function checkArgs(kind: ResourceKind, name: string): string {
  if (kind === 'dir') {
    if (typeof name !== 'string' || !DIRECTORY.test(name)) {
      throw new CodedTypeError(
        'ERR_INVALID_ARG_VALUE',
        `a tracked directory must match ${DIRECTORY}, got ${String(name)}`,
      );
    }
    return `${kind}:${name}`;
  }
  if (kind !== 'shm' && kind !== 'sem') {
    throw new CodedTypeError(
      'ERR_INVALID_ARG_VALUE',
      `resource kind must be 'shm', 'sem' or 'dir', got ${String(kind)}`,
    );
  }
  const bare = typeof name === 'string' && name.startsWith('/') ? name.slice(1) : name;
  if (typeof bare !== 'string' || !NAME.test(bare)) {
    throw new CodedTypeError('ERR_INVALID_ARG_VALUE', `resource name must match ${NAME}, got ${String(name)}`);
  }
  return `${kind}:${bare}`;
}

/** Unlink `name` when the last process of this tree is gone, unless untracked before. */
export function trackResource(kind: ResourceKind, name: string): void {
  const key = checkArgs(kind, name);
  send(`REGISTER:${key}\n`);
  registeredHere.add(key);
}

/** Forget `name` (call it after unlinking the object yourself). */
export function untrackResource(kind: ResourceKind, name: string): void {
  const key = checkArgs(kind, name);
  registeredHere.delete(key);
  send(`UNREGISTER:${key}\n`);
}

/**
 * The tracker pipe's write end, starting the tracker if needed. Start methods
 * that exec a new program pass this fd to the child and name its number there in
 * PMP_RESOURCE_TRACKER_FD; forked children inherit it by themselves.
 */
export function resourceTrackerFd(): number {
  if (trackerFd === null) trackerFd = startTracker();
  return trackerFd;
}

/**
 * Makes this process use the tracker whose pipe write end is `fd` (received
 * from the parent, e.g. with SCM_RIGHTS by a start method), instead of
 * starting its own. The fd belongs to the tracker module from now on.
 */
export function adoptResourceTrackerFd(fd: number): void {
  if (!Number.isInteger(fd) || !fs.fstatSync(fd).isFIFO()) {
    throw new CodedTypeError('ERR_INVALID_ARG_VALUE', `fd ${String(fd)} is not a resource tracker pipe`);
  }
  if (trackerFd !== null && trackerFd !== fd) fs.closeSync(trackerFd);
  trackerFd = fd;
}
