// Value, Array, RawValue, RawArray (Python's multiprocessing.sharedctypes):
// real TypedArrays over shared memory. Each object has its own nameless segment
// (memfd): a forked child inherits the mapping, other start methods get the fd;
// nothing is left in /dev/shm. With `lock` (the default, as in Python) the
// object carries an RLock from lib/synchronize.ts, returned by getLock().
import { native } from './internal/native';
import { CodedError, CodedTypeError } from './errors';
import { reduce, rebuild, registerRebuilder, isReducible, type Reduced } from './reduction';
import { RLock } from './synchronize';

type TypedArrayConstructor =
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;

type AnyTypedArray = InstanceType<TypedArrayConstructor>;

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

interface Segment {
  fd: number;
  view: AnyTypedArray;
}

function allocate(ctor: TypedArrayConstructor, length: number): Segment {
  const bytes = Math.max(1, length * ctor.BYTES_PER_ELEMENT);
  const fd = native.anonymousShared(bytes);
  return { fd, view: viewOver(ctor, fd, length, bytes) };
}

function viewOver(ctor: TypedArrayConstructor, fd: number, length: number, bytes: number): AnyTypedArray {
  const mapping = native.mapShared(fd, bytes);
  return new ctor(mapping.buffer as ArrayBuffer, mapping.byteOffset, length) as AnyTypedArray;
}

const closeOnCollect = new FinalizationRegistry<number>((fd) => {
  try {
    native.close(fd);
  } catch {
    /* already closed */
  }
});

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
  readonly #cell: AnyTypedArray;
  readonly #fd: number;
  readonly #lock: SharedLock | null;

  /** @internal use Value() or RawValue() */
  constructor(type: SharedType, initial: unknown, lock: SharedLock | null, attachFd?: number) {
    this.#ctor = typeOf(type);
    this.#type = type;
    if (attachFd === undefined) {
      const segment = allocate(this.#ctor, 1);
      this.#fd = segment.fd;
      this.#cell = segment.view;
      this.#cell[0] = coerce(this.#ctor, initial ?? 0) as never;
    } else {
      this.#fd = attachFd;
      this.#cell = viewOver(this.#ctor, attachFd, 1, Math.max(1, this.#ctor.BYTES_PER_ELEMENT));
    }
    this.#lock = lock;
    closeOnCollect.register(this, this.#fd);
  }

  /** Reading or writing takes the lock (when there is one) for that access, as in Python. */
  get value(): V {
    if (!this.#lock) return this.#cell[0] as V;
    this.#lock.acquireSync();
    try {
      return this.#cell[0] as V;
    } finally {
      this.#lock.release();
    }
  }

  set value(v: V) {
    const stored = coerce(this.#ctor, v);
    if (!this.#lock) {
      this.#cell[0] = stored as never;
      return;
    }
    this.#lock.acquireSync();
    try {
      this.#cell[0] = stored as never;
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

  /** The underlying one-element typed array (no locking). */
  getObj(): AnyTypedArray {
    return this.#cell;
  }

  [reduce](): Reduced {
    const lock = this.#lock && isReducible(this.#lock) ? this.#lock[reduce]() : null;
    return { kind: 'SharedValue', state: { type: this.#type, lock }, fds: [this.#fd, ...(lock?.fds ?? [])] };
  }
}

registerRebuilder(
  'SharedValue',
  (state: { type: string; lock: Reduced | null }, fds: number[]) =>
    new SharedValue(
      state.type,
      undefined,
      state.lock ? (rebuild(state.lock, fds.slice(1)) as SharedLock) : null,
      fds[0],
    ),
);

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
  const { fd, view } = allocate(ctor, length);
  if (values) for (let i = 0; i < length; i++) view[i] = values[i] as never;
  return decorate(view, type, fd, lock);
}

function decorate(view: AnyTypedArray, type: SharedType, fd: number, lock: SharedLock | null): SharedArray {
  closeOnCollect.register(view, fd);
  Object.defineProperties(view, {
    getLock: {
      value: () => {
        if (!lock) throw new CodedError('ERR_NO_LOCK', 'this array was made without a lock (RawArray or lock: false)');
        return lock;
      },
    },
    getObj: { value: () => view },
    [reduce]: {
      value: (): Reduced => {
        const reducedLock = lock && isReducible(lock) ? lock[reduce]() : null;
        return {
          kind: 'SharedArray',
          state: { type, length: view.length, lock: reducedLock },
          fds: [fd, ...(reducedLock?.fds ?? [])],
        };
      },
    },
  });
  return view as SharedArray;
}

registerRebuilder('SharedArray', (state: { type: string; length: number; lock: Reduced | null }, fds: number[]) => {
  const ctor = typeOf(state.type);
  const view = viewOver(ctor, fds[0], state.length, Math.max(1, state.length * ctor.BYTES_PER_ELEMENT));
  return decorate(view, state.type, fds[0], state.lock ? (rebuild(state.lock, fds.slice(1)) as SharedLock) : null);
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
