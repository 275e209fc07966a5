// How each library object crosses a process boundary (Python's reduction.py).
// Under the `fork` start method a child simply inherits the JS object and the OS
// objects behind it. Under `forkserver` and `spawn` an object is reduced to a
// plain, structured-cloneable description (names of OS objects, plus any file
// descriptors to pass alongside) and rebuilt in the child by its registered kind.
import v8 from 'node:v8';
import { CodedError } from './errors';

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

// --- Sending values to a child started by forkserver or spawn -----------------


const REDUCED_MARKER = '__posixMultiprocessingReduced';

interface Marker {
  [REDUCED_MARKER]: Reduced;
}

/**
 * Serialises `value` for a child: library objects become their reduced form,
 * everything else goes through the structured-clone algorithm. Returns the
 * bytes and the fds to send alongside them.
 */
export function dumpForChild(value: unknown, what: string): { bytes: Buffer; fds: number[] } {
  const fds: number[] = [];
  const seen = new Map<object, unknown>();
  const replace = (item: unknown): unknown => {
    if (typeof item !== 'object' || item === null) return item;
    if (seen.has(item)) return seen.get(item);
    if (isReducible(item)) {
      const reduced = item[reduce]();
      const offset = fds.length;
      fds.push(...(reduced.fds ?? []));
      const marker: Marker = { [REDUCED_MARKER]: { kind: reduced.kind, state: reduced.state, fds: (reduced.fds ?? []).map((_, i) => offset + i) } };
      seen.set(item, marker);
      return marker;
    }
    if (Array.isArray(item)) {
      const copy: unknown[] = [];
      seen.set(item, copy);
      for (const element of item) copy.push(replace(element));
      return copy;
    }
    const proto = Object.getPrototypeOf(item);
    if (proto === Object.prototype || proto === null) {
      const copy: Record<string, unknown> = {};
      seen.set(item, copy);
      for (const [key, element] of Object.entries(item)) copy[key] = replace(element);
      return copy;
    }
    seen.set(item, item); // Map, Set, Date, typed arrays...: structured clone handles them
    return item;
  };
  try {
    return { bytes: v8.serialize(replace(value)), fds };
  } catch (err) {
    throw new CodedError('ERR_UNCLONABLE',
      `${what} cannot be sent to the child: ${(err as Error).message.replace(/\.+$/, "")}. Pass data the structured-clone ` +
      "algorithm accepts (functions and symbols are not), or use the 'fork' start method.");
  }
}

/** Rebuilds what dumpForChild sent, given the fds that arrived with it. */
export function loadInChild(bytes: Uint8Array, fds: number[]): unknown {
  const visited = new Set<object>();
  const restore = (item: unknown): unknown => {
    if (typeof item !== 'object' || item === null || visited.has(item)) return item;
    visited.add(item);
    if (REDUCED_MARKER in item) {
      const reduced = (item as Marker)[REDUCED_MARKER];
      return rebuild(reduced, (reduced.fds ?? []).map((i) => fds[i]));
    }
    if (Array.isArray(item)) {
      for (let i = 0; i < item.length; i++) item[i] = restore(item[i]);
    } else if (Object.getPrototypeOf(item) === Object.prototype) {
      for (const key of Object.keys(item)) (item as Record<string, unknown>)[key] = restore((item as Record<string, unknown>)[key]);
    }
    return item;
  };
  return restore(v8.deserialize(bytes));
}
