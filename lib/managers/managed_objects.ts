// The objects a manager server holds for its proxies (Python's dict, list and
// Namespace behind DictProxy, ListProxy and NamespaceProxy), and the methods a
// proxy may call on each. Everything here runs in the server process; errors
// carry a stable code that travels back to the caller.
import { isDeepStrictEqual } from 'node:util';
import { CodedError, CodedTypeError } from '../errors';

export type ManagedType = 'dict' | 'list' | 'Namespace';

type Method = (target: any, args: unknown[]) => unknown;

/** Keys a dict may hold: compared by value, as Python's hashable keys. */
export type DictKey = string | number | bigint | boolean | null | undefined;

function checkKey(key: unknown): DictKey {
  if ((key !== null && typeof key === 'object') || typeof key === 'function' || typeof key === 'symbol') {
    throw new CodedTypeError(
      'ERR_INVALID_ARG_TYPE',
      `a dict key must be a string, number, bigint, boolean, null or undefined, got ${typeof key}`,
    );
  }
  return key as DictKey;
}

function keyNotFound(key: unknown): CodedError {
  return new CodedError('ERR_KEY_NOT_FOUND', `KeyError: ${describe(key)} is not in the dict`);
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : typeof value === 'bigint' ? `${value}n` : String(value);
}

// ---- dict: a Map (keys keep their type: 1 and '1' are different keys) ----

const dictMethods: Record<string, Method> = {
  get: (map: Map<DictKey, unknown>, args) => {
    const key = checkKey(args[0]);
    if (map.has(key)) return map.get(key);
    if (args.length > 1) return args[1];
    throw keyNotFound(key);
  },
  set: (map: Map<DictKey, unknown>, [key, value]) => {
    map.set(checkKey(key), value);
  },
  has: (map: Map<DictKey, unknown>, [key]) => map.has(checkKey(key)),
  delete: (map: Map<DictKey, unknown>, [key]) => map.delete(checkKey(key)),
  keys: (map: Map<DictKey, unknown>) => [...map.keys()],
  values: (map: Map<DictKey, unknown>) => [...map.values()],
  items: (map: Map<DictKey, unknown>) => [...map.entries()],
  update: (map: Map<DictKey, unknown>, [entries]) => {
    for (const [key, value] of entries as [unknown, unknown][]) map.set(checkKey(key), value);
  },
  pop: (map: Map<DictKey, unknown>, args) => {
    const key = checkKey(args[0]);
    if (map.has(key)) {
      const value = map.get(key);
      map.delete(key);
      return value;
    }
    if (args.length > 1) return args[1];
    throw keyNotFound(key);
  },
  setdefault: (map: Map<DictKey, unknown>, [key, value]) => {
    const k = checkKey(key);
    if (!map.has(k)) map.set(k, value);
    return map.get(k);
  },
  clear: (map: Map<DictKey, unknown>) => {
    map.clear();
  },
  size: (map: Map<DictKey, unknown>) => map.size,
  copy: (map: Map<DictKey, unknown>) => map,
};

// ---- list: an Array with Python's index rules (negative counts from the end) ----

function checkIndex(list: unknown[], index: unknown, what: string): number {
  if (!Number.isInteger(index))
    throw new CodedTypeError(
      'ERR_INVALID_ARG_TYPE',
      `list ${what}: the index must be an integer, got ${describe(index)}`,
    );
  const i = (index as number) < 0 ? list.length + (index as number) : (index as number);
  if (i < 0 || i >= list.length)
    throw new CodedError(
      'ERR_INDEX_OUT_OF_RANGE',
      `IndexError: list ${what} index ${index} out of range (length ${list.length})`,
    );
  return i;
}

function indexOf(list: unknown[], value: unknown): number {
  return list.findIndex((item) => isDeepStrictEqual(item, value));
}

function notInList(value: unknown): CodedError {
  return new CodedError('ERR_VALUE_NOT_FOUND', `ValueError: ${describe(value)} is not in the list`);
}

// Python's sort without a key: numbers by value, strings by code unit; mixing them is an error.
function compareItems(a: unknown, b: unknown): number {
  const kinds = typeof a === typeof b || (typeof a !== 'string' && typeof b !== 'string');
  if (!kinds)
    throw new CodedTypeError('ERR_INVALID_ARG_TYPE', `TypeError: cannot order ${typeof a} and ${typeof b} in sort()`);
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

const listMethods: Record<string, Method> = {
  append: (list: unknown[], [value]) => {
    list.push(value);
  },
  extend: (list: unknown[], [values]) => {
    list.push(...(values as unknown[]));
  },
  get: (list: unknown[], [index]) => list[checkIndex(list, index, 'get')],
  set: (list: unknown[], [index, value]) => {
    list[checkIndex(list, index, 'assignment')] = value;
  },
  pop: (list: unknown[], args) => {
    if (list.length === 0) throw new CodedError('ERR_INDEX_OUT_OF_RANGE', 'IndexError: pop from empty list');
    return list.splice(checkIndex(list, args.length > 0 && args[0] !== undefined ? args[0] : -1, 'pop'), 1)[0];
  },
  insert: (list: unknown[], [index, value]) => {
    if (!Number.isInteger(index))
      throw new CodedTypeError(
        'ERR_INVALID_ARG_TYPE',
        `list insert: the index must be an integer, got ${describe(index)}`,
      );
    const i =
      (index as number) < 0 ? Math.max(0, list.length + (index as number)) : Math.min(index as number, list.length);
    list.splice(i, 0, value);
  },
  remove: (list: unknown[], [value]) => {
    const i = indexOf(list, value);
    if (i < 0) throw notInList(value);
    list.splice(i, 1);
  },
  index: (list: unknown[], [value]) => {
    const i = indexOf(list, value);
    if (i < 0) throw notInList(value);
    return i;
  },
  count: (list: unknown[], [value]) => list.filter((item) => isDeepStrictEqual(item, value)).length,
  length: (list: unknown[]) => list.length,
  slice: (list: unknown[], [start, end]) => list.slice(start as number | undefined, end as number | undefined),
  sort: (list: unknown[], [reverse]) => {
    list.sort(compareItems);
    if (reverse) list.reverse();
  },
  reverse: (list: unknown[]) => {
    list.reverse();
  },
  clear: (list: unknown[]) => {
    list.length = 0;
  },
  copy: (list: unknown[]) => list,
};

// ---- Namespace: named attributes ----

function checkName(name: unknown): string {
  if (typeof name !== 'string')
    throw new CodedTypeError('ERR_INVALID_ARG_TYPE', `a Namespace attribute name must be a string, got ${typeof name}`);
  return name;
}

const namespaceMethods: Record<string, Method> = {
  get: (attrs: Map<string, unknown>, [name]) => {
    const key = checkName(name);
    if (!attrs.has(key))
      throw new CodedError('ERR_ATTRIBUTE_NOT_FOUND', `AttributeError: the Namespace has no attribute '${key}'`);
    return attrs.get(key);
  },
  set: (attrs: Map<string, unknown>, [name, value]) => {
    attrs.set(checkName(name), value);
  },
  has: (attrs: Map<string, unknown>, [name]) => attrs.has(checkName(name)),
  delete: (attrs: Map<string, unknown>, [name]) => attrs.delete(checkName(name)),
  toObject: (attrs: Map<string, unknown>) => Object.fromEntries(attrs),
};

const methodsByType: Record<ManagedType, Record<string, Method>> = {
  dict: dictMethods,
  list: listMethods,
  Namespace: namespaceMethods,
};

/** A new object of `type`, initialised from what the proxy's constructor sent. */
export function createManaged(type: unknown, init: unknown): unknown {
  switch (type) {
    case 'dict': {
      const map = new Map<DictKey, unknown>();
      dictMethods.update(map, [init ?? []]);
      return map;
    }
    case 'list':
      return [...((init as unknown[] | undefined) ?? [])];
    case 'Namespace':
      return new Map(Object.entries((init as Record<string, unknown> | undefined) ?? {}));
    default:
      throw new CodedError('ERR_UNKNOWN_TYPE', `the manager cannot create objects of type '${String(type)}'`);
  }
}

/** Runs `method` on a managed object of `type`. */
export function callManaged(type: ManagedType, target: unknown, method: unknown, args: unknown[]): unknown {
  const methods = methodsByType[type];
  const fn = typeof method === 'string' && Object.hasOwn(methods, method) ? methods[method] : undefined;
  if (!fn) throw new CodedError('ERR_UNKNOWN_METHOD', `a ${type} proxy has no method '${String(method)}'`);
  return fn(target, args);
}
