// Value, Array, RawValue, RawArray (Python's multiprocessing.sharedctypes):
// cells of one type in shared memory, each object its own nameless segment
// (kernels().memory). Under posix an Array is a real TypedArray over the
// mapping; under portable (no mapping) it is an indexable object that reads and
// writes the shared bytes (SharedCellArray). With `lock` (the default, as in
// Python) the object carries an RLock from lib/synchronize.ts, returned by getLock().
import { CodedError, CodedTypeError } from './errors';
import { kernels } from './backend';
import { reduce, rebuild, registerRebuilder, isReducible, type Reduced } from './reduction';
import { RLock } from './synchronize';
import type { AnyTypedArray, CellsKernel, TypedArrayConstructor } from './kernels/memory';

// Python's type codes (C types on LP64 Linux/macOS) and their plain names.
const TYPES: Record<string, TypedArrayConstructor> = {
  b: Int8Array,
  B: Uint8Array,
  h: Int16Array,
  H: Uint16Array,
  i: Int32Array,
  I: Uint32Array,
  l: BigInt64Array,
  L: BigUint64Array,
  q: BigInt64Array,
  Q: BigUint64Array,
  f: Float32Array,
  d: Float64Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  float32: Float32Array,
  float64: Float64Array,
};

export type SharedType = keyof typeof TYPES | string;

/** A lock a Value or Array can be given: anything with acquire/release like Lock and RLock. */
export interface SharedLock {
  acquireSync(opts?: unknown): boolean;
  release(): void;
}

export interface SharedOptions {
  /** true (default): a new RLock; false: none (raw); or the Lock/RLock to use. */
  lock?: boolean | SharedLock;
}

function typeOf(type: SharedType): TypedArrayConstructor {
  const ctor = typeof type === 'string' ? TYPES[type] : undefined;
  if (!ctor) {
    throw new CodedTypeError(
      'ERR_INVALID_ARG_VALUE',
      `unknown type ${JSON.stringify(type)}: use a Python type code (b B h H i I l L q Q f d) or a name like 'int32' or 'float64'`,
    );
  }
  return ctor;
}

function resolveLock(lock: SharedOptions['lock']): SharedLock | null {
  if (lock === undefined || lock === true) return new RLock();
  if (lock === false || lock === null) return null;
  if (typeof lock.acquireSync !== 'function' || typeof lock.release !== 'function') {
    throw new CodedTypeError('ERR_INVALID_ARG_TYPE', "'lock' must be true, false, or a Lock/RLock");
  }
  return lock;
}

function coerce(ctor: TypedArrayConstructor, value: unknown): number | bigint {
  const isBig = ctor === BigInt64Array || ctor === BigUint64Array;
  if (isBig) return typeof value === 'bigint' ? value : BigInt(value as number);
  if (typeof value === 'bigint') return Number(value);
  return value as number;
}

/** A single shared number: `.value` reads and writes shared memory. */
export class SharedValue<V extends number | bigint = number> {
  readonly #ctor: TypedArrayConstructor;
  readonly #type: string;
  readonly #cells: CellsKernel;
  readonly #lock: SharedLock | null;

  /** @internal use Value() or RawValue() */
  constructor(type: SharedType, initial: unknown, lock: SharedLock | null, attached?: CellsKernel) {
    this.#ctor = typeOf(type);
    this.#type = type;
    if (attached === undefined) {
      this.#cells = kernels().memory.cells(this.#ctor, 1);
      this.#cells.set(0, coerce(this.#ctor, initial ?? 0));
    } else {
      this.#cells = attached;
    }
    this.#lock = lock;
  }

  /** Reading or writing takes the lock (when there is one) for that access, as in Python. */
  get value(): V {
    if (!this.#lock) return this.#cells.get(0) as V;
    this.#lock.acquireSync();
    try {
      return this.#cells.get(0) as V;
    } finally {
      this.#lock.release();
    }
  }

  set value(v: V) {
    const stored = coerce(this.#ctor, v);
    if (!this.#lock) {
      this.#cells.set(0, stored);
      return;
    }
    this.#lock.acquireSync();
    try {
      this.#cells.set(0, stored);
    } finally {
      this.#lock.release();
    }
  }

  /** The lock guarding this value; ERR_NO_LOCK for a RawValue or `lock: false`. */
  getLock(): SharedLock {
    if (!this.#lock)
      throw new CodedError('ERR_NO_LOCK', 'this value was made without a lock (RawValue or lock: false)');
    return this.#lock;
  }

  /** The underlying one-element typed array (no locking); under portable, an indexable SharedCellArray. */
  getObj(): AnyTypedArray | SharedCellArray {
    return this.#cells.view ?? new SharedCellArray(this.#cells, 1);
  }

  [reduce](): Reduced {
    return reduceCells('SharedValue', this.#cells, { type: this.#type }, this.#lock);
  }
}

/** The reduced form of cells and their lock: the cells' fds (if any) first, then the lock's. */
function reduceCells(
  kind: string,
  cells: CellsKernel,
  state: Record<string, unknown>,
  lock: SharedLock | null,
): Reduced {
  const own = cells.handle();
  const reducedLock = lock && isReducible(lock) ? lock[reduce]() : null;
  return {
    kind,
    state: { ...state, cells: own.state, cellFds: own.fds.length, lock: reducedLock },
    fds: [...own.fds, ...(reducedLock?.fds ?? [])],
  };
}

interface ReducedCells {
  type: string;
  length?: number;
  cells: unknown;
  cellFds?: number;
  lock: Reduced | null;
}

function rebuildCells(state: ReducedCells, fds: number[]): { cells: CellsKernel; lock: SharedLock | null } {
  const cellFds = state.cellFds ?? 1; // 1: the posix form of before the seam
  const cells = kernels().memory.attachCells(typeOf(state.type), state.length ?? 1, state.cells, fds.slice(0, cellFds));
  return { cells, lock: state.lock ? (rebuild(state.lock, fds.slice(cellFds)) as SharedLock) : null };
}

registerRebuilder('SharedValue', (state: ReducedCells, fds: number[]) => {
  const { cells, lock } = rebuildCells(state, fds);
  return new SharedValue(state.type, undefined, lock, cells);
});

/** Python's Value(typecode, value, lock=True). */
export function Value<V extends number | bigint = number>(
  type: SharedType,
  initial?: V,
  opts: SharedOptions = {},
): SharedValue<V> {
  return new SharedValue<V>(type, initial, resolveLock(opts.lock));
}

/** Python's RawValue(typecode, value): no lock. */
export function RawValue<V extends number | bigint = number>(type: SharedType, initial?: V): SharedValue<V> {
  return new SharedValue<V>(type, initial, null);
}

/** A typed array over shared memory; with a lock it also has getLock() and getObj(). */
export type SharedArray<A extends AnyTypedArray = AnyTypedArray> = A & { getLock(): SharedLock; getObj(): A };

/**
 * An Array under the portable backend, where shared memory cannot be mapped:
 * `arr[i]`, `arr.get(i)`, `arr.set(i, v)`, `length` and iteration read and
 * write the shared bytes. (Indexing goes through a Proxy; get/set are direct.)
 */
export class SharedCellArray {
  readonly #cells: CellsKernel;
  readonly length: number;
  [index: number]: number | bigint;

  /** @internal */
  constructor(cells: CellsKernel, length: number) {
    this.#cells = cells;
    this.length = length;
    return new Proxy(this, INDEXING);
  }

  get(index: number): number | bigint {
    return this.#cells.get(this.#checked(index));
  }

  set(index: number, value: number | bigint): void {
    this.#cells.set(this.#checked(index), value);
  }

  #checked(index: number): number {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new CodedError('ERR_INDEX_OUT_OF_RANGE', `index ${index} is outside the array (length ${this.length})`);
    }
    return index;
  }

  *[Symbol.iterator](): IterableIterator<number | bigint> {
    for (let i = 0; i < this.length; i++) yield this.#cells.get(i);
  }

  toJSON(): Array<number | bigint> {
    return [...this];
  }
}

const INDEX = /^(0|[1-9][0-9]*)$/;

const INDEXING: ProxyHandler<SharedCellArray> = {
  get(target, key) {
    if (typeof key === 'string' && INDEX.test(key)) return target.get(Number(key));
    const value = Reflect.get(target, key, target);
    // The class's methods run on the target: its private fields are not the Proxy's.
    return typeof value === 'function' && key !== 'constructor' && !Object.hasOwn(target, key)
      ? value.bind(target)
      : value;
  },
  set(target, key, value) {
    if (typeof key === 'string' && INDEX.test(key)) {
      target.set(Number(key), value);
      return true;
    }
    return Reflect.set(target, key, value, target);
  },
};

function makeArray(
  type: SharedType,
  sizeOrValues: number | ArrayLike<number | bigint> | Iterable<number | bigint>,
  lock: SharedLock | null,
): SharedArray {
  const ctor = typeOf(type);
  let values: Array<number | bigint> | null = null;
  let length: number;
  if (typeof sizeOrValues === 'number') {
    if (!Number.isInteger(sizeOrValues) || sizeOrValues < 0) {
      throw new CodedError('ERR_INVALID_ARG_VALUE', `array size must be a non-negative integer, got ${sizeOrValues}`);
    }
    length = sizeOrValues;
  } else {
    values = Array.from(sizeOrValues as Iterable<number | bigint>, (v) => coerce(ctor, v));
    length = values.length;
  }
  const cells = kernels().memory.cells(ctor, length);
  if (values) for (let i = 0; i < length; i++) cells.set(i, values[i]);
  return decorate(cells, type, length, lock);
}

/** The array users see (a TypedArray under posix, a SharedCellArray under portable), with getLock, getObj and [reduce]. */
function decorate(cells: CellsKernel, type: SharedType, length: number, lock: SharedLock | null): SharedArray {
  const array: object = cells.view ?? new SharedCellArray(cells, length);
  Object.defineProperties(array, {
    getLock: {
      value: () => {
        if (!lock) throw new CodedError('ERR_NO_LOCK', 'this array was made without a lock (RawArray or lock: false)');
        return lock;
      },
    },
    getObj: { value: () => array },
    [reduce]: { value: (): Reduced => reduceCells('SharedArray', cells, { type, length }, lock) },
  });
  return array as SharedArray;
}

registerRebuilder('SharedArray', (state: ReducedCells & { length: number }, fds: number[]) => {
  const { cells, lock } = rebuildCells(state, fds);
  return decorate(cells, state.type, state.length, lock);
});

/** Python's Array(typecode, size_or_initializer, lock=True). */
export function Array_(
  type: SharedType,
  sizeOrValues: number | ArrayLike<number | bigint> | Iterable<number | bigint>,
  opts: SharedOptions = {},
): SharedArray {
  return makeArray(type, sizeOrValues, resolveLock(opts.lock));
}

/** Python's RawArray(typecode, size_or_initializer): no lock. */
export function RawArray(
  type: SharedType,
  sizeOrValues: number | ArrayLike<number | bigint> | Iterable<number | bigint>,
): SharedArray {
  return makeArray(type, sizeOrValues, null);
}

export { Array_ as Array };
