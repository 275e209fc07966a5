// Proxies for objects held by a manager server (Python's DictProxy, ListProxy
// and NamespaceProxy): every method is a call to the server, in an async form
// and a ...Sync form. A proxy is only an address, an authkey and an object id,
// so it crosses to a child under every start method and reconnects there.
import { reduce, registerRebuilder, type Reduced } from '../reduction';
import { callManager, callManagerSync, type ManagerRef } from './manager_client';
import { CodedTypeError } from '../errors';
import type { DictKey, ManagedType } from './managed_objects';

interface ProxyState {
  address: string;
  authkey: Uint8Array;
  id: number;
  type: ManagedType;
}

export abstract class BaseProxy {
  readonly #ref: ManagerRef;
  readonly #id: number;

  constructor(ref: ManagerRef, id: number) {
    this.#ref = ref;
    this.#id = id;
  }

  protected abstract get typeid(): ManagedType;

  protected call(method: string, ...args: unknown[]): Promise<any> {
    return callManager(this.#ref, this.#id, method, args);
  }

  protected callSync(method: string, ...args: unknown[]): any {
    return callManagerSync(this.#ref, this.#id, method, args);
  }

  /** For forkserver/spawn: the child reconnects to the same server and object. */
  [reduce](): Reduced {
    const state: ProxyState = {
      address: this.#ref.address,
      authkey: this.#ref.authkey,
      id: this.#id,
      type: this.typeid,
    };
    return { kind: 'ManagerProxy', state, byName: true };
  }

  toString(): string {
    return `<${this.constructor.name} object, typeid '${this.typeid}' at '${this.#ref.address}' id ${this.#id}>`;
  }
}

type Entries<K, V> = Map<K, V> | Iterable<readonly [K, V]> | Record<string, V>;

/** [key, value] pairs of a Map, an iterable of pairs or a plain object. */
export function entriesOf(source: unknown): [unknown, unknown][] {
  if (source instanceof Map) return [...source.entries()];
  if (source !== null && typeof source === 'object' && Symbol.iterator in source)
    return [...(source as Iterable<[unknown, unknown]>)];
  if (source !== null && typeof source === 'object') return Object.entries(source);
  throw new CodedTypeError(
    'ERR_INVALID_ARG_TYPE',
    'dict update/init: the source must be a Map, an iterable of [key, value] pairs or a plain object',
  );
}

/**
 * A dict held by the manager: a Map whose keys are primitives (1 and '1' are
 * different keys). get/pop of a missing key without a default throw ERR_KEY_NOT_FOUND.
 */
export class DictProxy<K extends DictKey = DictKey, V = unknown> extends BaseProxy {
  protected get typeid(): ManagedType {
    return 'dict';
  }

  get(key: K, ...defaultValue: [V?]): Promise<V> {
    return this.call('get', key, ...defaultValue);
  }
  getSync(key: K, ...defaultValue: [V?]): V {
    return this.callSync('get', key, ...defaultValue);
  }
  set(key: K, value: V): Promise<void> {
    return this.call('set', key, value);
  }
  setSync(key: K, value: V): void {
    this.callSync('set', key, value);
  }
  has(key: K): Promise<boolean> {
    return this.call('has', key);
  }
  hasSync(key: K): boolean {
    return this.callSync('has', key);
  }
  /** Removes key; true when it was there (Map semantics, not Python's KeyError). */
  delete(key: K): Promise<boolean> {
    return this.call('delete', key);
  }
  deleteSync(key: K): boolean {
    return this.callSync('delete', key);
  }
  keys(): Promise<K[]> {
    return this.call('keys');
  }
  keysSync(): K[] {
    return this.callSync('keys');
  }
  values(): Promise<V[]> {
    return this.call('values');
  }
  valuesSync(): V[] {
    return this.callSync('values');
  }
  items(): Promise<[K, V][]> {
    return this.call('items');
  }
  itemsSync(): [K, V][] {
    return this.callSync('items');
  }
  update(source: Entries<K, V>): Promise<void> {
    return this.call('update', entriesOf(source));
  }
  updateSync(source: Entries<K, V>): void {
    this.callSync('update', entriesOf(source));
  }
  pop(key: K, ...defaultValue: [V?]): Promise<V> {
    return this.call('pop', key, ...defaultValue);
  }
  popSync(key: K, ...defaultValue: [V?]): V {
    return this.callSync('pop', key, ...defaultValue);
  }
  setdefault(key: K, value: V): Promise<V> {
    return this.call('setdefault', key, value);
  }
  setdefaultSync(key: K, value: V): V {
    return this.callSync('setdefault', key, value);
  }
  clear(): Promise<void> {
    return this.call('clear');
  }
  clearSync(): void {
    this.callSync('clear');
  }
  size(): Promise<number> {
    return this.call('size');
  }
  sizeSync(): number {
    return this.callSync('size');
  }
  len(): Promise<number> {
    return this.size();
  }
  lenSync(): number {
    return this.sizeSync();
  }
  /** A snapshot as a Map (keys keep their types). */
  copy(): Promise<Map<K, V>> {
    return this.call('copy');
  }
  copySync(): Map<K, V> {
    return this.callSync('copy');
  }
}

/** A list held by the manager; indexes may be negative (from the end), as in Python. */
export class ListProxy<T = unknown> extends BaseProxy {
  protected get typeid(): ManagedType {
    return 'list';
  }

  append(value: T): Promise<void> {
    return this.call('append', value);
  }
  appendSync(value: T): void {
    this.callSync('append', value);
  }
  extend(values: Iterable<T>): Promise<void> {
    return this.call('extend', [...values]);
  }
  extendSync(values: Iterable<T>): void {
    this.callSync('extend', [...values]);
  }
  get(index: number): Promise<T> {
    return this.call('get', index);
  }
  getSync(index: number): T {
    return this.callSync('get', index);
  }
  set(index: number, value: T): Promise<void> {
    return this.call('set', index, value);
  }
  setSync(index: number, value: T): void {
    this.callSync('set', index, value);
  }
  /** Removes and returns the item at index (default: the last). */
  pop(index?: number): Promise<T> {
    return this.call('pop', index);
  }
  popSync(index?: number): T {
    return this.callSync('pop', index);
  }
  insert(index: number, value: T): Promise<void> {
    return this.call('insert', index, value);
  }
  insertSync(index: number, value: T): void {
    this.callSync('insert', index, value);
  }
  /** Removes the first item deep-equal to value; ERR_VALUE_NOT_FOUND when there is none. */
  remove(value: T): Promise<void> {
    return this.call('remove', value);
  }
  removeSync(value: T): void {
    this.callSync('remove', value);
  }
  index(value: T): Promise<number> {
    return this.call('index', value);
  }
  indexSync(value: T): number {
    return this.callSync('index', value);
  }
  count(value: T): Promise<number> {
    return this.call('count', value);
  }
  countSync(value: T): number {
    return this.callSync('count', value);
  }
  length(): Promise<number> {
    return this.call('length');
  }
  lengthSync(): number {
    return this.callSync('length');
  }
  len(): Promise<number> {
    return this.length();
  }
  lenSync(): number {
    return this.lengthSync();
  }
  /** Array.prototype.slice semantics. */
  slice(start?: number, end?: number): Promise<T[]> {
    return this.call('slice', start, end);
  }
  sliceSync(start?: number, end?: number): T[] {
    return this.callSync('slice', start, end);
  }
  /** Numbers by value, strings by code unit (Python's sort without a key). */
  sort(opts: { reverse?: boolean } = {}): Promise<void> {
    return this.call('sort', Boolean(opts.reverse));
  }
  sortSync(opts: { reverse?: boolean } = {}): void {
    this.callSync('sort', Boolean(opts.reverse));
  }
  reverse(): Promise<void> {
    return this.call('reverse');
  }
  reverseSync(): void {
    this.callSync('reverse');
  }
  clear(): Promise<void> {
    return this.call('clear');
  }
  clearSync(): void {
    this.callSync('clear');
  }
  /** A snapshot as an array. */
  copy(): Promise<T[]> {
    return this.call('copy');
  }
  copySync(): T[] {
    return this.callSync('copy');
  }
}

/**
 * A Namespace held by the manager. Besides the methods, plain property access
 * works synchronously: `ns.x = 1` sets, `ns.x` gets (undefined when missing,
 * as for any JS object), `delete ns.x` deletes.
 */
export class NamespaceProxy extends BaseProxy {
  protected get typeid(): ManagedType {
    return 'Namespace';
  }

  /** ERR_ATTRIBUTE_NOT_FOUND when the attribute is missing (Python's AttributeError). */
  get(name: string): Promise<any> {
    return this.call('get', name);
  }
  getSync(name: string): any {
    return this.callSync('get', name);
  }
  set(name: string, value: unknown): Promise<void> {
    return this.call('set', name, value);
  }
  setSync(name: string, value: unknown): void {
    this.callSync('set', name, value);
  }
  has(name: string): Promise<boolean> {
    return this.call('has', name);
  }
  hasSync(name: string): boolean {
    return this.callSync('has', name);
  }
  delete(name: string): Promise<boolean> {
    return this.call('delete', name);
  }
  deleteSync(name: string): boolean {
    return this.callSync('delete', name);
  }
  /** A snapshot of every attribute. */
  toObject(): Promise<Record<string, any>> {
    return this.call('toObject');
  }
  toObjectSync(): Record<string, any> {
    return this.callSync('toObject');
  }
}

/** A NamespaceProxy plus its attributes as properties. */
export type Namespace = NamespaceProxy & Record<string, any>;

// Properties the runtime probes on any object (await, JSON, inspection): never remote.
const LOCAL_ONLY = new Set(['then', 'toJSON', 'constructor', 'inspect', 'asymmetricMatch', '$$typeof']);

function isRemoteName(target: NamespaceProxy, prop: string | symbol): boolean {
  return typeof prop === 'string' && !(prop in target) && !LOCAL_ONLY.has(prop);
}

export function namespaceWithProperties(proxy: NamespaceProxy): Namespace {
  return new Proxy(proxy, {
    get(target, prop) {
      if (!isRemoteName(target, prop)) {
        const value = Reflect.get(target, prop, target);
        // Methods run on the real object: private fields are not reachable through a Proxy.
        return typeof value === 'function' && prop !== 'constructor' ? value.bind(target) : value;
      }
      try {
        return target.getSync(prop as string);
      } catch (err) {
        if ((err as { code?: string }).code === 'ERR_ATTRIBUTE_NOT_FOUND') return undefined;
        throw err;
      }
    },
    set(target, prop, value) {
      if (!isRemoteName(target, prop)) return Reflect.set(target, prop, value, target);
      target.setSync(prop as string, value);
      return true;
    },
    deleteProperty(target, prop) {
      if (!isRemoteName(target, prop)) return Reflect.deleteProperty(target, prop);
      target.deleteSync(prop as string);
      return true;
    },
    has(target, prop) {
      return prop in target || (isRemoteName(target, prop) && target.hasSync(prop as string));
    },
  }) as Namespace;
}

/** The proxy for object `id` of `type` held by the manager at ref. */
export function makeProxy(type: ManagedType, ref: ManagerRef, id: number): DictProxy | ListProxy | Namespace {
  switch (type) {
    case 'dict':
      return new DictProxy(ref, id);
    case 'list':
      return new ListProxy(ref, id);
    case 'Namespace':
      return namespaceWithProperties(new NamespaceProxy(ref, id));
  }
}

function rebuildProxy(state: ProxyState): DictProxy | ListProxy | Namespace {
  return makeProxy(state.type, { address: state.address, authkey: Buffer.from(state.authkey) }, state.id);
}

// Wherever it crosses (no fds: it reconnects by address), lib/reduction.ts.
registerRebuilder('ManagerProxy', rebuildProxy);
