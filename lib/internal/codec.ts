// How values become bytes for queues and connections. A message is one tag
// byte plus a body: Buffers and typed arrays travel as their raw bytes (no codec
// round trip); every other value goes through cbor-x in structured-clone mode.
//
// Codec chosen by measurement (bench/codec.js, this machine): small-object round
// trips/s: v8.serialize ~65K, JSON ~264K, msgpackr ~390K, cbor-x ~277K (4.3x
// v8.serialize). msgpackr is faster but in structured-clone mode it decodes Maps
// wrongly and throws on cycles; cbor-x round-trips Map, Set, Date, BigInt, typed
// arrays, nested objects and cycles.
import type { Encoder as EncoderType } from 'cbor-x';
import { CodedTypeError } from '../errors';

// cbor-x would load its optional native string extractor, whose loader leaves an
// async fs.close in flight (detect-libc), which makes fork() refuse right after
// import. The pure-JS decoder is what we measured; keep it.
const { Encoder, addExtension } = ((): typeof import('cbor-x') => {
  const previous = process.env.CBOR_NATIVE_ACCELERATION_DISABLED;
  process.env.CBOR_NATIVE_ACCELERATION_DISABLED = 'true';
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- must run inside this env change
    return require('cbor-x');
  } finally {
    if (previous === undefined) delete process.env.CBOR_NATIVE_ACCELERATION_DISABLED;
    else process.env.CBOR_NATIVE_ACCELERATION_DISABLED = previous;
  }
})();

// lib/reduction.ts's hook (Symbol.for: the same symbol without importing it).
const REDUCE = Symbol.for('posix-multiprocessing.reduce');

/**
 * Lets instances of `Class` (and its subclasses) travel inside structured
 * messages: written as toState(value) under CBOR tag `tag`, rebuilt with
 * fromState(state) where they are received. For objects that are only a
 * description of something reachable from any process (a manager proxy).
 */
export function registerMessageClass<T>(
  Class: abstract new (...args: any[]) => T,
  tag: number,
  toState: (value: T) => unknown,
  fromState: (state: any) => T,
): void {
  addExtension({
    Class: Class as unknown as new (...args: any[]) => T,
    tag,
    // cbor-x writes what encodeNested encodes in place; its typings expect a return value it ignores here.
    encode: ((value: T, encodeNested: (state: unknown) => void) => {
      encodeNested(toState(value));
    }) as never,
    decode: fromState,
  });
}

/** The CBOR tags of our own extensions ('PMP' and a number: tags no registry assigns). */
export const enum ExtensionTag {
  /** A library object, reduced (reduction.ts). */
  Reduced = 0x504d5001,
  /** An Error with its class, code and cause (reduction.ts). */
  Error = 0x504d5002,
  /** A Date as its exact time value in ms (cbor-x's own tag 1 writes float seconds, which rounds far from 1970). */
  Date = 0x504d5003,
  /** -0, which cbor-x writes as the integer 0 (structured clone and Python's pickle keep the sign). */
  NegativeZero = 0x504d5004,
}

registerMessageClass(
  Date,
  ExtensionTag.Date,
  (date: Date) => date.getTime(),
  (ms: number) => new Date(ms),
);

/** Stands for -0 in a message (see ExtensionTag.NegativeZero). */
class NegativeZero {}
const NEGATIVE_ZERO = new NegativeZero();
registerMessageClass(
  NegativeZero,
  ExtensionTag.NegativeZero,
  () => 0,
  () => -0,
);

/** First byte of every encoded message: how its body is to be read. */
export const enum MessageTag {
  Structured = 0,
  Buffer = 1,
  ArrayBuffer = 2,
  // On a Connection only: a Structured body whose fds follow in the next frame (SCM_RIGHTS).
  StructuredWithFds = 3,
  // 16 + index into TYPED_ARRAYS
  TypedArrayBase = 16,
}

type TypedArrayConstructor =
  | Uint8ArrayConstructor
  | Int8ArrayConstructor
  | Uint8ClampedArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor;

const TYPED_ARRAYS: TypedArrayConstructor[] = [
  Uint8Array,
  Int8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
];

const options = {
  useRecords: false, // no record definitions: each message decodes on its own
  mapsAsObjects: true, // plain objects decode as objects; Maps keep their own tag
  tagUint8Array: true,
  copyBuffers: true, // decoded byte strings must not alias a reused receive buffer
};
// Cycles and shared references, Map, Set, Date, RegExp, Error, typed arrays.
const structured: EncoderType = new Encoder({ ...options, structuredClone: true });
// The same encoding without reference tracking (a Map per message, half the
// encode time of a small object). It writes the same bytes as `structured` for a
// value in which no object appears twice; `structured` decodes both.
const untracked: EncoderType = new Encoder(options);

// isPlainTree gives up (and the tracking encoder is used) past this many objects.
const PLAIN_TREE_LIMIT = 32;
const treeSeen: (object | null)[] = new Array(PLAIN_TREE_LIMIT).fill(null);
let treeSeenCount = 0;
/** Whether the last isPlainTree() met a -0 (the tree is then copied with markers: withNegativeZeros). */
let negativeZeroSeen = false;
const isNegativeZero = (value: number): boolean => value === 0 && 1 / value < 0;

/**
 * True when `value` is made of plain objects, arrays and primitives only, with
 * no object reached twice (no cycle, no shared reference), at most
 * PLAIN_TREE_LIMIT objects. Anything else (a Map, a Date, a class instance, a
 * function) is left to the tracking encoder, which also raises the errors.
 * Written for speed (about 90 ns for a small object): no allocation.
 */
function isPlainTree(value: object): boolean {
  treeSeenCount = 0;
  negativeZeroSeen = false;
  const plain = visitPlain(value);
  for (let i = 0; i < treeSeenCount; i++) treeSeen[i] = null;
  return plain;
}

function visitPlain(value: object): boolean {
  for (let i = 0; i < treeSeenCount; i++) if (treeSeen[i] === value) return false;
  if (treeSeenCount === PLAIN_TREE_LIMIT) return false;
  treeSeen[treeSeenCount++] = value;
  const proto = Object.getPrototypeOf(value);
  if (proto === Array.prototype) {
    const array = value as unknown[];
    for (let i = 0; i < array.length; i++) if (!plainMember(array[i])) return false;
    return true;
  }
  if (proto !== Object.prototype) return false;
  const record = value as Record<string, unknown>;
  // for-in over a plain object: its own keys (and any enumerable ones added to
  // Object.prototype, which only make this more cautious).
  for (const key in record) if (!plainMember(record[key])) return false;
  return true;
}

function plainMember(member: unknown): boolean {
  const type = typeof member;
  if (type === 'number') {
    if (isNegativeZero(member as number)) negativeZeroSeen = true;
    return true;
  }
  if (type === 'object') return member === null || visitPlain(member as object);
  return type !== 'function' && type !== 'symbol';
}

/** A copy of a plain tree (isPlainTree: no cycle, few objects) with each -0 replaced by its marker. */
function withNegativeZeros(value: unknown): unknown {
  if (typeof value === 'number') return isNegativeZero(value) ? NEGATIVE_ZERO : value;
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(withNegativeZeros);
  const copy: Record<string, unknown> = {};
  for (const key in value) copy[key] = withNegativeZeros((value as Record<string, unknown>)[key]);
  return copy;
}

export interface EncodedMessage {
  tag: number;
  body: Uint8Array;
  /** The sender's fds the receiver needs (lib/reduction.ts fills them in); NO_FDS on most messages. */
  fds: number[];
}

/** Shared by every message without fds; never written to. */
export const NO_FDS: number[] = [];

/**
 * Encodes `value` as a tag and a body. Refuses a value that cannot be cloned
 * (a function, a symbol, anywhere inside it) with ERR_UNCLONABLE, before the
 * caller has written anything.
 */
export function encodeMessage(value: unknown): EncodedMessage {
  if (ArrayBuffer.isView(value)) {
    if (Buffer.isBuffer(value)) return { tag: MessageTag.Buffer, body: value, fds: NO_FDS };
    const index = TYPED_ARRAYS.indexOf(value.constructor as TypedArrayConstructor);
    // A shared typed array (sharedctypes' Array, never a Buffer) is a library object, not bytes: lib/reduction.ts decides.
    if (index >= 0 && (value as { [REDUCE]?: unknown })[REDUCE] === undefined) {
      return {
        tag: MessageTag.TypedArrayBase + index,
        body: new Uint8Array(value.buffer, value.byteOffset, value.byteLength),
        fds: NO_FDS,
      };
    }
  } else if (value instanceof ArrayBuffer) {
    return { tag: MessageTag.ArrayBuffer, body: new Uint8Array(value), fds: NO_FDS };
  }
  try {
    if (typeof value === 'number' && isNegativeZero(value)) {
      return { tag: MessageTag.Structured, body: untracked.encode(NEGATIVE_ZERO), fds: NO_FDS };
    }
    if (typeof value !== 'object' || value === null) {
      return { tag: MessageTag.Structured, body: untracked.encode(value), fds: NO_FDS };
    }
    if (isPlainTree(value)) {
      return {
        tag: MessageTag.Structured,
        body: untracked.encode(negativeZeroSeen ? withNegativeZeros(value) : value),
        fds: NO_FDS,
      };
    }
    return { tag: MessageTag.Structured, body: structured.encode(value), fds: NO_FDS };
  } catch (err) {
    throw unclonable(value, err);
  }
}

/** The value a (tag, body) pair stands for. `body` may be kept by the result: pass a copy you own. */
export function decodeMessage(tag: number, body: Buffer): unknown {
  switch (tag) {
    case MessageTag.Structured:
      try {
        return structured.decode(body);
      } catch (err) {
        throw malformed(err);
      }
    case MessageTag.Buffer:
      return body;
    case MessageTag.ArrayBuffer:
      return body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength);
    default: {
      const Ctor = TYPED_ARRAYS[tag - MessageTag.TypedArrayBase];
      if (Ctor === undefined)
        throw new CodedTypeError(
          'ERR_INVALID_MESSAGE',
          `message has unknown tag ${tag}: it was not written by this library`,
        );
      const width = Ctor.BYTES_PER_ELEMENT;
      if (body.byteLength % width !== 0) {
        throw new CodedTypeError(
          'ERR_INVALID_MESSAGE',
          `a ${Ctor.name} message of ${body.byteLength} bytes is not a whole number of elements`,
        );
      }
      // Views need aligned offsets; copy when the body is not aligned.
      const bytes = body.byteOffset % width === 0 ? body : Uint8Array.prototype.slice.call(body);
      return new Ctor(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength / width);
    }
  }
}

/** The structured value in source[0, end): `source` may be longer, and reused (the codec caches its DataView). */
export function decodeStructured(source: Uint8Array, end: number): unknown {
  // cbor-x's decode takes the end as a second argument (its own decodeMultiple
  // relies on it), though its typings leave it out.
  try {
    return (structured.decode as (source: Uint8Array, end: number) => unknown)(source, end);
  } catch (err) {
    throw malformed(err);
  }
}

/**
 * What cbor-x throws on bytes it cannot take apart, as one coded error. Its
 * own checks throw plain Errors ("Unexpected end of CBOR data"), but a flipped
 * tag can hand its typed-array or Date extension a value of the wrong type,
 * which then fails with a bare TypeError from deep inside the decoder.
 */
function malformed(cause: unknown): Error {
  if ((cause as { code?: unknown })?.code !== undefined) return cause as Error; // ours, or already coded
  const detail = cause instanceof Error ? cause.message : String(cause);
  const err = new CodedTypeError(
    'ERR_INVALID_MESSAGE',
    `a message could not be decoded (${detail}): it was damaged, or not written by this library`,
  );
  (err as { cause?: unknown }).cause = cause;
  return err;
}

/** One buffer holding an encoded message's tag + body (a copy). */
export function frameOf({ tag, body }: { tag: number; body: Uint8Array }): Buffer {
  const out = Buffer.allocUnsafe(1 + body.byteLength);
  out[0] = tag;
  out.set(body, 1);
  return out;
}

// V8's RangeErrors when a buffer or string for the encoding cannot be had
// ("Array buffer allocation failed" up to Node 24, "Failed to allocate memory" on 26).
const OUT_OF_MEMORY = /allocat|Invalid (typed )?array (buffer )?length|Invalid string length/i;

function unclonable(value: unknown, cause: unknown): Error {
  if ((cause as { code?: unknown })?.code === 'ERR_UNCLONABLE') return cause as Error; // already says what and why
  if (cause instanceof RangeError && OUT_OF_MEMORY.test(cause.message)) return outOfMemory(cause);
  const detail = cause instanceof Error ? cause.message : String(cause);
  const what = /function/.test(detail) ? 'a function' : /symbol/.test(detail) ? 'a symbol' : 'a value';
  const err = new CodedTypeError(
    'ERR_UNCLONABLE',
    `cannot send ${what === 'a value' ? describe(value) : `a value holding ${what}`}: ` +
      `only structured-cloneable values (no functions or symbols) can cross a process boundary (${detail})`,
  );
  (err as { cause?: unknown }).cause = cause;
  return err;
}

/** The same code as the system's ENOMEM under posix: the value is fine, the memory to encode it is not there. */
function outOfMemory(cause: RangeError): Error {
  const err = new Error(
    `ENOMEM: out of memory while encoding a message to send (${cause.message}); nothing was sent: ` +
      'send it in smaller pieces, or free memory',
  );
  Object.assign(err, { code: 'ENOMEM', cause });
  return err;
}

function describe(value: unknown): string {
  if (typeof value === 'object' && value !== null) return `a ${value.constructor?.name ?? 'null-prototype object'}`;
  return typeof value;
}
