// Python's start methods as interchangeable strategies, and which one is the
// default: forkserver on Linux and macOS, spawn where the addon cannot fork.
import { CodedError } from './errors';
import type { Popen } from './popen/popen';
import type { Process } from './process';

export type StartMethodName = 'fork' | 'forkserver' | 'spawn';

export interface StartMethod {
  readonly name: StartMethodName;
  launch(proc: Process): Popen;
}

function load(name: StartMethodName): StartMethod {
  // Loaded on first use: each brings its own machinery (a server process, a spawner).
  switch (name) {
    case 'fork': return require('./popen/fork').forkStartMethod;
    case 'forkserver': return require('./popen/forkserver').forkserverStartMethod;
    case 'spawn': return require('./popen/spawn').spawnStartMethod;
  }
}

let chosen: StartMethodName | null = null;

export function getAllStartMethods(): StartMethodName[] {
  return process.platform === 'win32' ? ['spawn'] : ['forkserver', 'fork', 'spawn'];
}

export function assertStartMethod(method: unknown): asserts method is StartMethodName {
  if (!getAllStartMethods().includes(method as StartMethodName)) {
    throw new CodedError('ERR_UNKNOWN_START_METHOD',
      `cannot find context for '${String(method)}': the start methods here are ${getAllStartMethods().map((m) => `'${m}'`).join(', ')}`);
  }
}

export function getStartMethod(allowNone = false): StartMethodName | null {
  if (chosen === null && !allowNone) chosen = getAllStartMethods()[0];
  return chosen;
}

export function setStartMethod(method: StartMethodName | null, opts: { force?: boolean } = {}): void {
  if (chosen !== null && !opts.force) {
    throw new CodedError('ERR_CONTEXT_ALREADY_SET',
      `the start method has already been set to '${chosen}'; pass { force: true } to change it`);
  }
  if (method !== null) assertStartMethod(method);
  chosen = method;
}

export function startMethodFor(name: string | null): StartMethod {
  const method = (name ?? getStartMethod()) as StartMethodName;
  assertStartMethod(method);
  return load(method);
}
