// Loads the addon: a local build (build/Release) first, then a prebuild for this
// platform (prebuilds/<platform>-<arch>), as node-gyp-build decides. When none
// fits or loads, throws one error that says what is missing and how to build it.
import fs from 'node:fs';
import path from 'node:path';
import { CodedError } from '../errors';

export interface NativeWaitStatus {
  pid: number;
  status: number;
  exitCode: number | null;
  signal: number | null;
}

export interface NativeFdWatch {
  stop(): void;
  /** Stops watching but keeps the handle, for resume(); stop() it before the fd is closed. */
  pause(): void;
  resume(): void;
  ref(): void;
  unref(): void;
}

/** How shmOpen opens: fail if it exists / must exist / either. */
export type ShmOpenFlags = 'create-exclusive' | 'open' | 'create';

/** Any view over shared memory that holds a 4-byte aligned 32-bit futex word. */
export type FutexView = Uint8Array | Int32Array | Uint32Array | Buffer;

/** The addon's async futex waiter thread (native/futex_waiter.cc). */
export interface NativeFutexWaiter {
  /** Becomes readable when waits have completed; take() drains it. */
  readonly fd: number;
  add(id: number, view: FutexView, byteOffset: number, expected: number): void;
  cancel(id: number): void;
  take(): number[];
  /** Restarts the thread in a forked child, keeping pending waits; returns the new fd. */
  afterForkInChild(): number;
  close(): void;
}

export type ForkAdviceMode = 'probe' | 'smaps' | 'anon';

/** An opaque ring handle (native/ring.cc). */
export interface RingHandle {
  readonly __ringHandle: unique symbol;
}

export interface NativeBinding {
  fork(adviceMode?: ForkAdviceMode): number;
  /** Whether a forked child gets a V8 platform without worker threads (native/child_platform.cc). */
  childPlatformPatchable(): boolean;
  waitpid(pid: number, options?: number): NativeWaitStatus;
  /** Whether this Node exports the V8 calls unwindJavaScriptStack() needs (native/stack_unwind.cc). */
  unwindSupported(): boolean;
  /** Terminates the running JavaScript (no catch/finally runs); cancelled once the stack is empty. */
  unwindJavaScriptStack(): void;
  pipe(): [number, number];
  getpid(): number;
  getppid(): number;
  kill(pid: number, signal: number): void;
  exit(code: number): never;
  pidfdOpen(pid: number): number;
  close(fd: number): void;
  loopAlive(): boolean;
  idleSyscalls: number[];
  runLoopOnce(noWait?: boolean): boolean;
  setParentDeathSignal(signal: number): boolean;
  /** malloc_trim(0) where the C library has it (glibc); false elsewhere. */
  trimFreeMemory(): boolean;
  peekExit(pid: number): { exitCode: number | null; signal: number | null } | null;
  sendMessage(socket: number, data: Uint8Array, fds: number[]): void;
  recvMessage(socket: number): { data: Buffer; fds: number[] } | null;
  WNOHANG: number;
  /** shm_open("/" + name); grows the object to `size` when creating. Returns a close-on-exec fd. */
  shmOpen(name: string, flags: ShmOpenFlags, size?: number, mode?: number): number;
  shmUnlink(name: string): void;
  /** fd of a nameless shared-memory object of `size` bytes (memfd on Linux); close-on-exec. */
  anonymousShared(size: number): number;
  /** fstat(fd).st_size */
  fdSize(fd: number): number;
  /** A Buffer over mmap(MAP_SHARED) of `size` bytes of fd; unmapped when collected. */
  mapShared(fd: number, size: number): Buffer;
  /** munmap now; the Buffer (and every view over it) is detached and reads as empty. */
  unmap(buffer: Buffer): void;
  /** AF_UNIX stream pair, close-on-exec and non-blocking. */
  socketpair(): [number, number];
  /** Asks for a socket send buffer of `bytes`; best effort (the kernel caps it). */
  setSendBuffer(fd: number, bytes: number): void;
  setNonBlocking(fd: number, on: boolean): void;
  /** Bytes read, 0 at end of file, -1 when it would block. */
  read(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  /** Bytes written, -1 when it would block. */
  write(fd: number, buffer: Uint8Array, offset: number, length: number): number;
  /** Indexes of the fds ready for `events` (1 read, 2 write) within timeoutMs (< 0: forever). */
  poll(fds: number[], events: number, timeoutMs: number): number[];
  /** An AF_UNIX stream socket bound to path and listening; close-on-exec, non-blocking. */
  unixListen(path: string, backlog: number): number;
  /** A connected fd from the listening socket, or -1 when none is waiting. */
  unixAccept(fd: number): number;
  /** A socket connected to path, or -1 when the listener's backlog is full (retry). */
  unixConnect(path: string): number;
  /** A close-on-exec duplicate of fd. */
  dup(fd: number): number;
  /** Lays out an empty queue ring (native/ring.cc) in fresh shared memory. */
  ringInit(ring: Buffer, capacity: number, maxsize: number): void;
  /** The handle the other ring calls take (keeps `ring` alive). */
  ringHandle(ring: Buffer): RingHandle;
  /** Status; with `out`, an async caller: never sleeps, registers as a waiter instead. See native/ring.cc. */
  ringPut(ring: RingHandle, tagAndKind: number, body: Uint8Array, timeoutMs: number, out?: Float64Array): number;
  /** length * 1024 + kind * 256 + tag, or a status (ringLayout.tooSmallBase - size: target too small). */
  ringGet(ring: RingHandle, target: Uint8Array, targetOffset: number, timeoutMs: number, out?: Float64Array): number;
  ringUnwait(ring: RingHandle, waiter: number): void;
  ringTaskDone(ring: RingHandle): number;
  ringJoin(ring: RingHandle, timeoutMs: number, out?: Float64Array): number;
  ringClose(ring: RingHandle): void;
  /** out = [items, unfinished, closed, maxsize, usedBytes, capacity, recoveries] */
  ringStats(ring: RingHandle, out: Float64Array): void;
  /** glibc: keep freed large blocks for reuse (native/receive_memory.cc); false elsewhere. */
  tuneMallocForLargeMessages(): boolean;
  ringLayout: {
    headerSize: number;
    tooSmallBase: number;
    recordHeader: number;
    maxCapacity: number;
    putSeq: number;
    getSeq: number;
    taskSeq: number;
  };
  /** Sleeps while the word equals expected (non-private futex), at most timeoutMs (< 0: forever). */
  futexWait(
    view: FutexView,
    byteOffset: number,
    expected: number,
    timeoutMs?: number,
  ): 'woken' | 'not-equal' | 'timed-out';
  /** Wakes up to count sleepers on the word; returns how many were woken. */
  futexWake(view: FutexView, byteOffset: number, count: number): number;
  semUnlink(name: string): void;
  FutexWaiter: new () => NativeFutexWaiter;
  /** Calls back on the main thread when fd is ready; events: 1 readable (default), 2 writable. */
  FdWatch: new (fd: number, onReady: (status: number, events: number) => void, events?: number) => NativeFdWatch;
}

/** The package's directories holding prebuilt addons (prebuilds/<platform>-<arch>). */
function prebuildDirs(root: string): string[] {
  try {
    return fs.readdirSync(path.join(root, 'prebuilds')).sort();
  } catch {
    return [];
  }
}

function addonMissing(root: string, file: string | null, cause: unknown): CodedError {
  const where = `${process.platform}-${process.arch} (Node ${process.versions.node})`;
  const reason = String((cause as Error)?.message ?? cause).split('\n')[0];
  const available = prebuildDirs(root);
  const found = file
    ? `The addon ${path.relative(root, file)} was found but does not load here: ${reason}.`
    : `No prebuilt addon fits this platform (the package has prebuilds for: ${available.length > 0 ? available.join(', ') : 'none'}), ` +
      'and none was built at install (install scripts not run, or the build failed).';
  const error = new CodedError(
    'ERR_NATIVE_ADDON_MISSING',
    [
      `posix-multiprocessing: no usable native addon for ${where}.`,
      found,
      'Building it from source needs a C++17 compiler (g++ or clang++) and make, with Python 3 (node-gyp) or cmake (cmake-js).',
      'Install them, then run: npm rebuild posix-multiprocessing',
    ].join('\n'),
  );
  (error as Error & { cause?: unknown }).cause = cause;
  return error;
}

/** Set by npm run test:sanitize: the addon built with sanitizers, instead of the usual one. */
const ADDON_OVERRIDE = 'PMP_NATIVE_ADDON_PATH';

/**
 * Set by a parent in the environment of a child it spawns (the spawn start
 * method, the forkserver): the addon file the parent loaded. The child runs
 * the same node, so it loads that file without looking it up again (loading
 * node-gyp-build and searching the package cost a child ~1 ms).
 */
export const PARENT_ADDON_ENV = 'PMP_PARENT_ADDON';

/** The addon file this process loaded. */
export let addonFile = '';

/** The addon file to load: as told (test:sanitize, or the parent), else as node-gyp-build finds it. */
function chooseAddonFile(root: string): string {
  const fromParent = process.env[PARENT_ADDON_ENV];
  delete process.env[PARENT_ADDON_ENV]; // our own children are told again; anyone else's must not be
  const told = process.env[ADDON_OVERRIDE] || fromParent;
  if (told) return told;
  // Loaded only when there is something to look up. Outside the try: failing to
  // load it (EMFILE at the fd limit) is not a missing addon (lib/backend.ts).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const nodeGypBuild = require('node-gyp-build') as { resolve(dir: string): string };
  try {
    return nodeGypBuild.resolve(root);
  } catch (err) {
    throw addonMissing(root, null, err);
  }
}

function loadNative(): NativeBinding {
  const root = path.join(__dirname, '..', '..');
  addonFile = chooseAddonFile(root);
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a .node file has no import form
    return require(addonFile) as NativeBinding;
  } catch (err) {
    throw addonMissing(root, addonFile, err);
  }
}

export const native: NativeBinding = loadNative();
