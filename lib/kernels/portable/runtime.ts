// How the portable backend's kernels reach shared state: call() and send()
// for the event loop, callSync() for the ...Sync forms. Every thread that
// uses them gets one I/O thread (io/io_thread.ts) on first use, which owns
// the connection to the tree's broker (started by the tree's first process)
// and serves the process's own local services.
import path from 'node:path';
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { CodedError } from '../../errors';
import { channels, dumpFrame, loadFrame } from '../../reduction';
import { abortError } from '../../wait/abort';
import { checkPayloadLength, frame, FrameKind, type DirectAnnouncement } from './wire';
import { DirectCaller } from './direct_calls';
import { isLocalCall } from './io/local_services';
import { brokerAddressEnv, inheritedBrokerAddress, newBrokerAddress, type BrokerAddress } from './broker_address';
import {
  BatchWriter,
  batchOf,
  EntryFlag,
  FLAG_ANSWERED,
  FLAG_DEAD,
  FLAG_WAITING,
  forEachEntry,
  type IoBatch,
  type IoReply,
  type IoThreadData,
} from './io/io_messages';

const NO_BYTES = new Uint8Array(0);

interface Pending {
  resolve(value: unknown): void;
  reject(err: unknown): void;
}

class IoThread {
  readonly #port: MessagePort;
  readonly #syncPort: MessagePort;
  readonly #directPort: MessagePort;
  readonly #flag: Int32Array;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  /** Frames for the broker posted through the I/O thread, and written to the direct channel: each way's frames say how many the other way had (wire.ts). */
  #socketFrames = 0;
  #directFrames = 0;
  /** This thread's direct channel to the broker, once the broker has announced it; null where there is none. */
  #direct: DirectCaller | null = null;
  /** One-way sends since the last call: flushed at exit so that none is lost. */
  #unflushed = false;
  // The first call of a job goes to the I/O thread at once, as sends and blocking
  // calls do; the job's later calls (a window of 64 get()s) go together at its
  // end, one message instead of 63. Whatever goes at once (a send, a blocking call,
  // a cancel, a write to the direct channel) sends the held calls first, in order.
  readonly #heldCalls = new BatchWriter();
  #callInJob = false;

  constructor(
    readonly broker: BrokerAddress,
    startsBroker: boolean,
  ) {
    const channel = new MessageChannel();
    const syncChannel = new MessageChannel();
    const directChannel = new MessageChannel();
    const flag = new SharedArrayBuffer(4);
    this.#port = channel.port1;
    this.#syncPort = syncChannel.port1;
    this.#directPort = directChannel.port1;
    this.#flag = new Int32Array(flag);
    const data: IoThreadData = {
      port: channel.port2,
      syncPort: syncChannel.port2,
      directPort: directChannel.port2,
      flag,
      address: broker.address,
      key: broker.key.toString('hex'),
      brokerEntry: startsBroker ? path.join(__dirname, 'broker', 'broker_main.js') : null,
    };
    const worker = new Worker(path.join(__dirname, 'io', 'io_thread.js'), {
      workerData: data,
      transferList: [channel.port2, syncChannel.port2, directChannel.port2],
      // The I/O thread needs none of the program's flags (--require hooks, loaders).
      execArgv: [],
      stdout: false,
      stderr: false,
    });
    worker.unref();
    worker.on('error', (err) => this.#failAll(err));
    worker.on('exit', () => this.#failAll(ioThreadDied()));
    this.#port.on('message', (replies: IoBatch) => forEachEntry(replies, this.#settle));
    this.#port.unref();
    process.on('exit', () => {
      if (!this.#unflushed) return;
      try {
        this.callSync('broker.echo', [null]);
      } catch {
        // The broker is gone: what was sent is lost with it, and there is no one to tell.
      }
    });
  }

  #failAll(err: unknown): void {
    for (const pending of this.#pending.values()) pending.reject(err);
    this.#pending.clear();
    this.#port.unref();
  }

  readonly #settle = (id: number, flags: number, bytes: Uint8Array): void => {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    if (this.#pending.size === 0) this.#port.unref();
    let value: unknown;
    try {
      value = loadFrame(bytes);
    } catch (err) {
      pending.reject(err);
      return;
    }
    if (flags & EntryFlag.Ok) pending.resolve(value);
    else pending.reject(value);
  };

  #post(op: string, args: unknown[], oneWay: boolean, sync: boolean, atOnce = false): number {
    const id = this.#nextId++;
    if (this.#nextId > 0xffffffff) this.#nextId = 1;
    const payload = brokerPayload(op, args);
    const framed = frame(id, oneWay ? FrameKind.Send : FrameKind.Call, payload, this.#directFrames);
    let flags = (oneWay ? EntryFlag.OneWay : 0) | (sync ? EntryFlag.Sync : 0);
    if (isLocalCall(op)) flags |= EntryFlag.Local;
    else this.#socketFrames = (this.#socketFrames + 1) >>> 0;
    if (!oneWay && !sync && !this.#callInJob) {
      this.#callInJob = true;
      queueMicrotask(this.#endJob);
      atOnce = true;
    }
    if (oneWay || sync || atOnce) {
      // A release or a put followed by a long computation must reach the other
      // processes now, as under posix; so must a job's first call.
      this.#flushCalls();
      this.#port.postMessage(batchOf(id, flags, framed));
    } else {
      this.#heldCalls.add(id, flags, framed);
    }
    return id;
  }

  readonly #flushCalls = (): void => {
    if (this.#heldCalls.size > 0) this.#port.postMessage(this.#heldCalls.take());
  };

  readonly #endJob = (): void => {
    this.#callInJob = false;
    this.#flushCalls();
  };

  call(op: string, args: unknown[], signal?: AbortSignal, atOnce = false): Promise<unknown> {
    if (signal?.aborted) return Promise.reject(abortError(signal));
    this.#unflushed = false;
    const id = this.#post(op, args, false, false, atOnce);
    if (this.#pending.size === 0) this.#port.ref();
    return new Promise((resolve, reject) => {
      if (!signal) {
        this.#pending.set(id, { resolve, reject });
        return;
      }
      // The handler decides: an abort that comes after the operation completed loses to it,
      // so that nothing it did (a lock taken, an item removed) is lost.
      const onAbort = (): void => {
        this.#flushCalls();
        this.#port.postMessage(batchOf(id, EntryFlag.Cancel, NO_BYTES));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#pending.set(id, {
        resolve: (value) => {
          signal.removeEventListener('abort', onAbort);
          resolve(value);
        },
        reject: (err) => {
          signal.removeEventListener('abort', onAbort);
          reject(signal.aborted && isAbort(err) ? abortError(signal) : err);
        },
      });
    });
  }

  callSync(op: string, args: unknown[]): unknown {
    this.#unflushed = false;
    const direct = isLocalCall(op) ? null : this.#directCaller();
    if (direct) {
      this.#flushCalls();
      const reply = direct.call(this.#socketFrames, brokerPayload(op, args));
      this.#directFrames = (this.#directFrames + 1) >>> 0;
      const value = loadFrame(reply.bytes);
      if (!reply.ok) throw value;
      return value;
    }
    Atomics.store(this.#flag, 0, FLAG_WAITING);
    this.#post(op, args, false, true);
    for (;;) {
      Atomics.wait(this.#flag, 0, FLAG_WAITING);
      const state = Atomics.load(this.#flag, 0);
      if (state === FLAG_DEAD) throw ioThreadDied();
      if (state === FLAG_ANSWERED) break;
    }
    const reply = receiveMessageOnPort(this.#syncPort)!.message as IoReply;
    const value = loadFrame(reply.bytes);
    if (!reply.ok) throw value;
    return value;
  }

  #directCaller(): DirectCaller | null {
    if (this.#direct === null) {
      const announced = receiveMessageOnPort(this.#directPort);
      if (announced) this.#direct = DirectCaller.open(announced.message as DirectAnnouncement);
    }
    return this.#direct;
  }

  /** What this thread's direct channel is made of, once it has one. */
  directChannel(): 'fifos' | 'pipe' | null {
    const direct = this.#directCaller();
    return direct === null || direct.closed ? null : direct.kind;
  }

  send(op: string, args: unknown[]): void {
    const direct = isLocalCall(op) ? null : this.#directCaller();
    if (direct === null) {
      this.#unflushed = true;
      this.#post(op, args, true, false);
      return;
    }
    // Written to the FIFO before this returns: nothing is left to flush at exit.
    const payload = brokerPayload(op, args);
    this.#flushCalls();
    try {
      direct.send(this.#socketFrames, payload);
      this.#directFrames = (this.#directFrames + 1) >>> 0;
    } catch {
      // The broker is gone: a one-way call has no one to fail to, and the next call says so.
    }
  }
}

/** `op` and its arguments as one frame's payload; a message the broker would refuse throws here, with nothing sent. */
function brokerPayload(op: string, args: unknown[]): Uint8Array {
  const { bytes } = dumpFrame([op, args], channels.broker);
  checkPayloadLength(bytes.byteLength);
  return bytes;
}

function isAbort(err: unknown): boolean {
  return (err as { name?: string })?.name === 'AbortError';
}

function ioThreadDied(): CodedError {
  return new CodedError(
    'ERR_BROKER_GONE',
    "the portable backend's I/O thread of this process has stopped; shared objects are no longer reachable",
  );
}

let io: IoThread | null = null;

function ioThread(): IoThread {
  if (io) return io;
  const inherited = inheritedBrokerAddress();
  io = new IoThread(inherited ?? newBrokerAddress(), inherited === null);
  return io;
}

/**
 * Calls `op` ('<service>.<method>') in the broker or the I/O thread; never blocks the event loop.
 * `atOnce`: never held for the end of the job, for a call that must act while this thread computes.
 */
export function call(
  op: string,
  args: unknown[],
  opts: { signal?: AbortSignal; atOnce?: boolean } = {},
): Promise<unknown> {
  return ioThread().call(op, args, opts.signal, opts.atOnce);
}

/** Calls `op` and blocks this thread until it answers. */
export function callSync(op: string, args: unknown[]): unknown {
  return ioThread().callSync(op, args);
}

/** A one-way call, ordered after this thread's earlier calls; any later call returns after it ran. */
export function send(op: string, args: unknown[]): void {
  ioThread().send(op, args);
}

/** For diagnostics and tests: what this thread's blocking calls reach the broker through ('fifos', 'pipe'), or null (the I/O thread). */
export function directChannel(): 'fifos' | 'pipe' | null {
  return ioThread().directChannel();
}

/** What a child needs in its environment to join this process's broker (starting it if needed). */
export function brokerEnv(): Record<string, string> {
  const io = ioThread();
  // The broker is up before the child starts: the child may need it at once, and this
  // process may block (spawnSync) or die right after starting it.
  io.callSync('broker.echo', [null]);
  return brokerAddressEnv(io.broker);
}
