// The processes kernel (lib/kernel.ts): what Process, the contexts, Pool and
// posix.* need from the OS beyond starting a child (the start methods do that,
// behind the StartMethod/Popen interfaces). Type-only.
import type { ForkAdviceMode, NativeWaitStatus } from '../internal/native';

export interface ProcessKernels {
  /** This process's pid (process.pid is stale in a child made by fork()). */
  getpid(): number;
  /** Calls back once process `pid` (our child or not) has ended; never keeps the event loop alive. */
  watchExit(pid: number, callback: () => void): { cancel(): void };
  /**
   * In a new child: make it end (SIGTERM) when the process that started it
   * ends, SIGKILL included. `osParentPid` is our parent as the OS knows it
   * (under forkserver the server, which itself ends with the process it serves).
   */
  endWithParent(parentPid: number, osParentPid: number): void;
  /**
   * Removes `directory` (a private socket directory) once every process of this
   * tree is gone, also when all were SIGKILLed, unless its owner removed it first
   * and said so with forgetDirectory().
   */
  removeWithTree(directory: string): void;
  forgetDirectory(directory: string): void;
  /** Tunes the allocator for large received messages (lib/internal/receive_memory.ts); false where it cannot. */
  tuneMallocForLargeMessages(): boolean;
  /** What only the posix backend has (posix.*, fds handed to pool workers, the resource tracker's pipe); null under portable. */
  readonly posix: PosixProcessCalls | null;
}

/** The posix-only process calls: public modules reach them after requirePosix() (lib/backend.ts). */
export interface PosixProcessCalls {
  /** fork(2) with Node's fix-ups, after the fork-safety check (ERR_FORK_UNSAFE). */
  fork(adviceMode: ForkAdviceMode): number;
  /** Why fork() would be unsafe now, or null. */
  forkUnsafeReason(): string | null;
  /** Why fork() can never be safe in this process (its thread, its flags), or null. */
  forkImpossibleReason(): string | null;
  startedSingleThreaded(): boolean;
  assertForkSafe(): void;
  makeStdioBlocking(): void;
  waitpid(pid: number, options: number): NativeWaitStatus;
  /** A pipe as [readFd, writeFd], both close-on-exec. */
  pipe(): [number, number];
  getppid(): number;
  kill(pid: number, signal: number): void;
  /** _exit after stdio has drained (a forked child's only way out). */
  exit(code: number): never;
  readonly fdPassing: FdPassing;
}

/** Raw fds handed to another process over a unix socket (SCM_RIGHTS): pool workers' fd channels. */
export interface FdPassing {
  /** A connected pair of unix sockets, close-on-exec. */
  socketpair(): [number, number];
  dup(fd: number): number;
  close(fd: number): void;
  setBlocking(fd: number): void;
  send(socket: number, data: Uint8Array, fds: number[]): void;
  /** null at EOF. */
  receive(socket: number): { data: Buffer; fds: number[] } | null;
}
