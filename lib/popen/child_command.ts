// The command line for a fresh Node process that runs one of our entry
// scripts: the parent's own flags (so `--import tsx` and friends still load
// the main module), minus the ones that must not be repeated.
import path from 'node:path';

const DROPPED = /^--(inspect|inspect-brk|inspect-port|debug-port|single-threaded)(=|$)/;

export function childNodeArgs(entry: string, singleThreaded: boolean): string[] {
  const flags = process.execArgv.filter((arg) => !DROPPED.test(arg));
  return [...(singleThreaded ? ['--single-threaded'] : []), ...flags, path.join(__dirname, '..', entry)];
}
