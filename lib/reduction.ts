// How every value crosses a process boundary (Python's reduction.py): Process
// args under forkserver and spawn, Queue and Pipe messages, Pool tasks and
// results, Manager values, and the start methods' control messages. One codec
// (lib/internal/codec.ts: cbor-x, with raw fast paths for Buffers and typed arrays) and
// two hooks on it, both decided here:
//
// - A library object (anything with a [reduce]() method: Lock ... Barrier, the
//   Queue family, Connection, SharedMemory, Value/Array, manager proxies) is
//   written as its reduced form { kind, state, fds } and rebuilt on arrival by
//   the rebuilder registered under `kind` where the class lives. The channel
//   decides: one that can carry file descriptors (a unix socket with
//   SCM_RIGHTS, a start message) takes the fds along; one that cannot (a
//   shared-memory ring, a pipe) takes only objects reachable without fds (by
//   name: SharedMemory, proxies), and refuses the rest with ERR_UNCLONABLE
//   before anything is written. Never a silent copy.
// - An Error is written with its class name, message, stack, own enumerable
//   properties (code, errno...), cause and AggregateError's errors, and rebuilt
//   as the same class where this process knows it.
import {
  encodeMessage,
  decodeMessage,
  registerMessageClass,
  frameOf,
  ExtensionTag,
  NO_FDS,
  type EncodedMessage,
} from './internal/codec';
import * as libraryErrors from './errors';
import { CodedError } from './errors';

export const reduce = Symbol.for('posix-multiprocessing.reduce');

export interface Reduced {
  /** The name a rebuilder was registered under, e.g. 'Lock'. */
  kind: string;
  /** Structured-cloneable state; refers to fds by index into `fds`. */
  state: unknown;
  /** File descriptors the receiver needs (sent with SCM_RIGHTS). */
  fds?: number[];
  /**
   * Reached by name (SharedMemory, manager proxies): any channel may carry it. Every other
   * library object goes only through a channel that carries handles (Process args, a duplex
   * Pipe), under both backends: under posix it needs its fds, under portable the same rule
   * holds although its broker id would fit anywhere, so code behaves the same on both.
   */
  byName?: boolean;
}

export interface Reducible {
  [reduce](): Reduced;
}

/** A way values travel between processes, and whether file descriptors can go with them. */
export interface Channel {
  /** Key in `channels` (a rebuilt Queue keeps its channel by this name). */
  readonly id: string;
  /** How a refusal reads: 'a Lock cannot be <action>'. */
  readonly action: string;
  readonly carriesFds: boolean;
}

function channel(id: string, action: string, carriesFds: boolean): Channel {
  return { id, action, carriesFds };
}

export const channels = {
  queue: channel('queue', 'put in a Queue', false),
  socketPipe: channel('socketPipe', 'sent through a duplex Pipe', true),
  oneWayPipe: channel('oneWayPipe', 'sent through a one-way Pipe (Pipe(false))', false),
  // Listener/Client connections may be TCP sockets, which cannot carry fds.
  connection: channel('connection', 'sent through a Listener/Client connection', false),
  manager: channel('manager', 'stored in or passed to a Manager', false),
  poolTask: channel('poolTask', 'passed as a Pool task argument', false),
  poolResult: channel('poolResult', 'returned from a Pool task', false),
  processArgs: channel('processArgs', 'passed as a Process argument', true),
  control: channel('control', "sent in a start method's control message", true),
  // The portable backend's calls to its broker and I/O thread (lib/kernels/portable/).
  broker: channel('broker', 'sent to the portable backend broker', false),
} satisfies Record<string, Channel>;

export function channelById(id: string): Channel {
  return (channels as Record<string, Channel>)[id] ?? channels.queue;
}

type Rebuilder = (state: any, fds: number[]) => unknown;

const rebuilders = new Map<string, Rebuilder>();

/** How objects reduced under `kind` are rebuilt; call it where the class lives. */
export function registerRebuilder(kind: string, rebuild: Rebuilder): void {
  rebuilders.set(kind, rebuild);
}

export function isReducible(value: unknown): value is Reducible {
  return typeof value === 'object' && value !== null && typeof (value as Reducible)[reduce] === 'function';
}

export function rebuild(reduced: Reduced, fds: number[] = []): unknown {
  const rebuilder = rebuilders.get(reduced.kind);
  if (!rebuilder) {
    throw new CodedError(
      'ERR_INVALID_MESSAGE',
      `cannot rebuild a '${reduced.kind}' in this process: its module was not loaded`,
    );
  }
  return rebuilder(reduced.state, fds);
}

// ---- the crossing in progress -------------------------------------------------
// Encoding and decoding are synchronous, so one module-level crossing at a time.

let sending: Channel = channels.queue;
let outgoingFds = NO_FDS;
let incomingFds = NO_FDS;

function className(value: object): string {
  return (value as { constructor?: { name?: string } }).constructor?.name || 'object';
}

function refusal(reduced: Reduced): CodedError {
  // The kind names the library class (a Value is a SharedValue, an Array a SharedArray, whatever its typed array).
  const what = `${/^[AEIOU]/.test(reduced.kind) ? 'an' : 'a'} ${reduced.kind}`;
  const how = reduced.fds?.length ? 'a file descriptor' : "a handle into the portable backend's broker";
  return new CodedError(
    'ERR_UNCLONABLE',
    `${what} cannot be ${sending.action}: it reaches its OS object through ${how}, which this channel cannot carry. ` +
      "Pass it to the child as a Process argument (or in a Pool's initargs), or send it through a duplex Pipe",
  );
}

/** Matches every reducible object for cbor-x's instanceof test (typed arrays included: SharedArray). */
class ReducibleObject {
  static [Symbol.hasInstance](value: object): boolean {
    return (value as Partial<Reducible>)[reduce] !== undefined; // cbor-x asks only about objects
  }
}

registerMessageClass(
  ReducibleObject as unknown as abstract new () => Reducible,
  ExtensionTag.Reduced,
  (value: Reducible) => {
    const reduced = value[reduce]();
    const fds = reduced.fds ?? [];
    if (!reduced.byName && !sending.carriesFds) throw refusal(reduced);
    if (outgoingFds === NO_FDS) outgoingFds = [];
    const first = outgoingFds.length;
    outgoingFds.push(...fds);
    return [reduced.kind, reduced.state, first, fds.length];
  },
  ([kind, state, first, count]: [string, unknown, number, number]) =>
    rebuild({ kind, state }, incomingFds.slice(first, first + count)) as Reducible,
);

// ---- errors ----------------------------------------------------------------------

const knownErrors = new Map<string, new (...args: any[]) => Error>();
for (const Class of [
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
  AggregateError,
  ...Object.values(libraryErrors),
]) {
  if (typeof Class === 'function' && (Class === Error || Class.prototype instanceof Error))
    knownErrors.set(Class.name, Class as never);
}

interface ErrorState {
  className: string;
  name: string;
  message: string;
  stack: string | undefined;
  props: Record<string, unknown>;
  cause?: unknown;
  errors?: unknown[];
}

function errorState(err: Error): ErrorState {
  const props: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(err)) {
    // class fields such as `name = 'Empty'` are own properties; a method on an error instance cannot cross
    if (key !== 'name' && typeof value !== 'function') props[key] = value;
  }
  const state: ErrorState = {
    className: className(err),
    name: err.name,
    message: err.message,
    stack: err.stack,
    props,
  };
  if ('cause' in err) state.cause = err.cause;
  if (err instanceof AggregateError) state.errors = err.errors;
  return state;
}

function rebuildError(state: ErrorState): Error {
  const Class = knownErrors.get(state.className);
  // A native error object with the class's prototype, without running its constructor.
  const err: Error = Reflect.construct(Error, [state.message], Class ?? Error);
  const name = Class ? state.name : state.name !== 'Error' ? state.name : state.className;
  if (err.name !== name)
    Object.defineProperty(err, 'name', { value: name, writable: true, configurable: true, enumerable: false });
  Object.assign(err, state.props);
  if (state.stack !== undefined)
    Object.defineProperty(err, 'stack', { value: state.stack, writable: true, configurable: true, enumerable: false });
  if ('cause' in state)
    Object.defineProperty(err, 'cause', { value: state.cause, writable: true, configurable: true, enumerable: false });
  if (state.errors)
    Object.defineProperty(err, 'errors', {
      value: state.errors,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  return err;
}

registerMessageClass(Error, ExtensionTag.Error, errorState, rebuildError);

// ---- the entry points --------------------------------------------------------------

/**
 * Encodes `value` for `channel`: the message, and the fds to send with it.
 * Refuses (ERR_UNCLONABLE, nothing written) functions, symbols, and library
 * objects the channel cannot carry.
 */
export function dump(value: unknown, channel: Channel): EncodedMessage {
  // Set up front, not restored in a finally: the hot path stays lean, and only dump() encodes.
  sending = channel;
  outgoingFds = NO_FDS;
  const message = encodeMessage(value);
  if (outgoingFds !== NO_FDS) {
    message.fds = outgoingFds;
    outgoingFds = NO_FDS;
  }
  return message;
}

/** dump() as one buffer (tag + body), for byte streams and start messages. */
export function dumpFrame(value: unknown, channel: Channel): { bytes: Buffer; fds: number[] } {
  const message = dump(value, channel);
  return { bytes: frameOf(message), fds: message.fds };
}

/** Rebuilds what dump() wrote, given the fds that arrived with it (the rebuilt objects own them). */
export function load(tag: number, body: Buffer, fds: number[] = []): unknown {
  incomingFds = fds;
  try {
    return decodeMessage(tag, body);
  } finally {
    incomingFds = NO_FDS;
  }
}

export function loadFrame(frame: Uint8Array, fds: number[] = []): unknown {
  if (frame.length === 0)
    throw new CodedError('ERR_INVALID_MESSAGE', 'an empty frame is not an encoded value (was it sent with sendBytes?)');
  const bytes = Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength);
  return load(bytes[0], bytes.subarray(1), fds);
}
