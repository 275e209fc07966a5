// How each library object crosses a process boundary (Python's reduction.py).
// Under the `fork` start method a child simply inherits the JS object and the OS
// objects behind it. Under `forkserver` and `spawn` an object is reduced to a
// plain, structured-cloneable description (names of OS objects, plus any file
// descriptors to pass alongside) and rebuilt in the child by its registered kind.
export const reduce = Symbol.for('posix-multiprocessing.reduce');

export interface Reduced {
  /** The name a rebuilder was registered under, e.g. 'Lock'. */
  kind: string;
  /** Structured-cloneable state; refers to fds by index into `fds`. */
  state: unknown;
  /** File descriptors the child needs (sent with SCM_RIGHTS). */
  fds?: number[];
}

export interface Reducible {
  [reduce](): Reduced;
}

type Rebuilder = (state: any, fds: number[]) => unknown;

const rebuilders = new Map<string, Rebuilder>();

export function registerRebuilder(kind: string, rebuild: Rebuilder): void {
  rebuilders.set(kind, rebuild);
}

export function isReducible(value: unknown): value is Reducible {
  return typeof value === 'object' && value !== null && typeof (value as Reducible)[reduce] === 'function';
}

export function rebuild(reduced: Reduced, fds: number[] = []): unknown {
  const rebuilder = rebuilders.get(reduced.kind);
  if (!rebuilder) {
    throw new Error(`cannot rebuild a '${reduced.kind}' in this process: its module was not loaded`);
  }
  return rebuilder(reduced.state, fds);
}
