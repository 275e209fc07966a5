// What a thread and its I/O thread (io_thread.ts) say to each other over their MessagePort.
import type { MessagePort } from 'node:worker_threads';

/** What an entry of a batch is, as bits of its flags word. */
export const enum EntryFlag {
  /** A one-way send: nothing answers it. */
  OneWay = 1,
  /** Answer through the sync port and the flag, for a thread blocked in Atomics.wait. */
  Sync = 2,
  /** A call of a local service (io/local_services.ts), served by the I/O thread itself. */
  Local = 4,
  /** Cancels the call `id`; the entry has no bytes. */
  Cancel = 8,
  /** A reply that is the value, not an error. */
  Ok = 16,
}

/** Words of `meta` per entry: id, flags, buffer (its index in `buffers`), start, end. */
const ENTRY_WORDS = 5;

/**
 * What one side posts to the other in one job, as one message: requests from a
 * thread (the frames for the broker, wire.ts: a header, then [op, args] written
 * by lib/reduction.ts), or the I/O thread's replies (the value, or the error,
 * written by lib/reduction.ts). Entries are described by numbers, not objects,
 * because cloning 64 small objects costs more than the calls they carry.
 */
export interface IoBatch {
  readonly meta: Uint32Array;
  readonly buffers: Uint8Array[];
}

/**
 * Small entries share one buffer, as Node's pool shares 8 KiB among small
 * Buffers (a decoded Buffer item may be a view of it); from this size an
 * entry travels in a buffer of its own, so a small item never keeps a large
 * one alive.
 */
const SHARED_UP_TO = 4096;

/** Collects the entries of a batch. Their bytes must not change until take(). */
export class BatchWriter {
  #meta: number[] = [];
  #shared: Uint8Array[] = [];
  #sharedBytes = 0;
  #own: Uint8Array[] = [];

  get size(): number {
    return this.#meta.length / ENTRY_WORDS;
  }

  add(id: number, flags: number, bytes: Uint8Array): void {
    const length = bytes.byteLength;
    if (length < SHARED_UP_TO) {
      this.#meta.push(id, flags, 0, this.#sharedBytes, this.#sharedBytes + length);
      this.#shared.push(bytes);
      this.#sharedBytes += length;
    } else {
      this.#own.push(ownBuffer(bytes));
      this.#meta.push(id, flags, this.#own.length, 0, length);
    }
  }

  take(): IoBatch {
    const shared = new Uint8Array(this.#sharedBytes);
    let at = 0;
    for (const bytes of this.#shared) {
      shared.set(bytes, at);
      at += bytes.byteLength;
    }
    const batch = { meta: Uint32Array.from(this.#meta), buffers: [shared, ...this.#own] };
    this.#meta = [];
    this.#shared = [];
    this.#sharedBytes = 0;
    this.#own = [];
    return batch;
  }
}

/** A batch of one entry. */
export function batchOf(id: number, flags: number, bytes: Uint8Array): IoBatch {
  return {
    meta: Uint32Array.of(id, flags, 0, 0, bytes.byteLength),
    buffers: [ownBuffer(bytes)],
  };
}

export function forEachEntry(
  { meta, buffers }: IoBatch,
  visit: (id: number, flags: number, bytes: Uint8Array) => void,
): void {
  for (let at = 0; at < meta.length; at += ENTRY_WORDS) {
    visit(meta[at], meta[at + 1], buffers[meta[at + 2]].subarray(meta[at + 3], meta[at + 4]));
  }
}

/** A reply to a blocking call, on the sync port. `bytes` is exactly its own ArrayBuffer. */
export interface IoReply {
  readonly id: number;
  readonly ok: boolean;
  readonly bytes: Uint8Array;
}

export interface IoThreadData {
  readonly port: MessagePort;
  readonly syncPort: MessagePort;
  /** Where the broker's direct channel for this thread's blocking calls is announced (a DirectAnnouncement, wire.ts). */
  readonly directPort: MessagePort;
  /** Int32 word 0: 0 while a sync call waits, 1 when its answer is on the sync port, -1 when the I/O thread died. */
  readonly flag: SharedArrayBuffer;
  readonly address: string;
  readonly key: string;
  /** Set in a tree's first process: start the broker, then connect. */
  readonly brokerEntry: string | null;
}

export const FLAG_WAITING = 0;
export const FLAG_ANSWERED = 1;
export const FLAG_DEAD = -1;

/** `bytes` in an ArrayBuffer of its own, so that posting it moves only these bytes (a pooled Buffer would copy 8 KiB). */
export function ownBuffer(bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? bytes
    : Uint8Array.prototype.slice.call(bytes);
}
