// A directory only this user can enter (0700), for a socket: made with a
// random name, and removed with the process tree if its owner never gets to
// (every process SIGKILLed), through the backend (the resource tracker, or the broker).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { kernels } from '../backend';

/** A fresh private directory under the temporary directory: `pmp-<what>-<random>`. */
export function makePrivateDirectory(what: string): string {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), `pmp-${what}-`));
  kernels().processes.removeWithTree(directory);
  return directory;
}

export function removePrivateDirectory(directory: string): void {
  try {
    // Empty (a listener that failed to bind): rmdir(2) needs no fd, so this
    // works at the fd limit, where rmSync's walk fails (Node 26) and would hide the first error.
    fs.rmdirSync(directory);
  } catch {
    try {
      fs.rmSync(directory, { recursive: true, force: true });
    } catch {
      return; // still tracked: removed with the process tree
    }
  }
  kernels().processes.forgetDirectory(directory);
}
