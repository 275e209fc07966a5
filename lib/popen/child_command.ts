// The command line for a fresh Node process that runs one of our entry
// scripts: the parent's own flags (so `--import tsx` and friends still load
// the main module), minus the ones that must not be repeated.
import path from 'node:path';

// Flags that would make the child run something other than our entry script
// (`node -e` code that starts a pool would start pools forever), attach a
// second debugger, or watch files; and the thread rule, which each entry sets.
const DROPPED =
  /^--?(inspect|inspect-brk|inspect-port|debug-port|single-threaded|eval|e|print|p|interactive|i|check|c|test|watch|watch-path|watch-preserve-output|input-type)(=|$)/;
// Of those, the ones whose value is the next argument when not given with `=`.
const TAKES_VALUE = /^(-e|--eval|-p|--print|--watch-path|--inspect-port|--debug-port|--input-type)$/;

export function childNodeArgs(entry: string, singleThreaded: boolean): string[] {
  const flags: string[] = [];
  const parentFlags = process.execArgv;
  for (let i = 0; i < parentFlags.length; i++) {
    const arg = parentFlags[i];
    if (!DROPPED.test(arg)) flags.push(arg);
    else if (TAKES_VALUE.test(arg)) i += 1;
  }
  return [...(singleThreaded ? ['--single-threaded'] : []), ...flags, path.join(__dirname, '..', entry)];
}
