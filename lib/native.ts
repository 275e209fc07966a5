// Loads the addon: a local build (build/Release) first, then a prebuild for this
// platform (prebuilds/<platform>-<arch>), as node-gyp-build decides.
import path from 'node:path';
import nodeGypBuild from 'node-gyp-build';

export interface NativeWaitStatus {
  pid: number;
  status: number;
  exitCode: number | null;
  signal: number | null;
}

export interface NativeFdWatch {
  stop(): void;
  ref(): void;
  unref(): void;
}

export type ForkAdviceMode = 'probe' | 'smaps' | 'anon';

export interface NativeBinding {
  fork(adviceMode?: ForkAdviceMode): number;
  waitpid(pid: number, options?: number): NativeWaitStatus;
  pipe(): [number, number];
  getpid(): number;
  getppid(): number;
  kill(pid: number, signal: number): void;
  exit(code: number): never;
  pidfdOpen(pid: number): number;
  close(fd: number): void;
  loopAlive(): boolean;
  WNOHANG: number;
  FdWatch: new (fd: number, onReadable: (status: number, events: number) => void) => NativeFdWatch;
}

export const native: NativeBinding = nodeGypBuild(path.join(__dirname, '..'));
