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
  fs.rmSync(directory, { recursive: true, force: true });
  kernels().processes.forgetDirectory(directory);
}
