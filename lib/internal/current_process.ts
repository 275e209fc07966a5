// Who this process is, in Python's terms: the main process or a child with a
// name, an identity (1, 2 for "Process-1:2"), a daemon flag, an authkey and a
// logical parent (the process that called start(), not the forkserver).
import { kernels } from '../backend';
import { nodeCrypto } from './node_crypto';

export interface ProcessIdentity {
  name: string;
  identity: number[];
  daemon: boolean;
  authkey: Buffer;
  parentPid: number | null;
  parentName: string | null;
}

/** The main process's identity; its authkey is drawn on first use (lib/internal/node_crypto.ts). */
function mainProcessIdentity(): ProcessIdentity {
  let authkey: Buffer | undefined;
  return {
    name: 'MainProcess',
    identity: [],
    daemon: false,
    get authkey(): Buffer {
      return (authkey ??= nodeCrypto().randomBytes(32));
    },
    set authkey(value: Buffer) {
      authkey = value;
    },
    parentPid: null,
    parentName: null,
  };
}

export const current = {
  isMain: true,
  /** True while a child imports its main module (Python's bootstrapping phase). */
  bootstrapping: false,
  /**
   * The user's main module in a forkserver or spawned child (null: none), where
   * require.main is the library's own entry script; undefined in a main process.
   */
  mainPath: undefined as string | null | undefined,
  identity: mainProcessIdentity(),
  /** Counter for the identities of children this process creates. */
  childCounter: 0,
  /** The Process object that stands for this process (currentProcess()); made lazily in the main process. */
  processObject: null as object | null,
};

/** The `if __name__ == '__main__'` guard: true only in the main process. */
export function isMainProcess(): boolean {
  return current.isMain;
}

export function becomeChildProcess(identity: ProcessIdentity): void {
  current.isMain = false;
  current.identity = identity;
  current.childCounter = 0;
}

export function nextChildIdentity(): number[] {
  current.childCounter += 1;
  return [...current.identity.identity, current.childCounter];
}

/** This process's pid (process.pid is stale in a child made by fork()). */
export function ownPid(): number {
  return kernels().processes.getpid();
}
