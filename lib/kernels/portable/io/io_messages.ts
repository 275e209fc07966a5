// What a thread and its I/O thread (io_thread.ts) say to each other over their MessagePort.
import type { MessagePort } from 'node:worker_threads';

/**
 * A call or one-way send. Its frame for the broker (wire.ts: the header, then
 * [op, args] written by lib/reduction.ts on the broker channel) is
 * bytes[start, end) of its batch.
 */
export interface IoRequest {
  readonly id: number;
  readonly op: string;
  readonly oneWay: boolean;
  /** Answer through the sync port and the flag, for a thread blocked in Atomics.wait. */
  readonly sync: boolean;
  readonly start: number;
  readonly end: number;
}

export interface IoCancel {
  readonly cancel: number;
}

/**
 * What a thread asks of its I/O thread in one tick, as one message: the frames
 * of all its requests in one buffer of its own (posting a view copies its whole
 * ArrayBuffer; transferring costs more than copying a small one).
 */
export interface IoBatch {
  readonly messages: Array<IoRequest | IoCancel>;
  readonly bytes: Uint8Array;
}

/** `bytes` is the value, or the error when !ok, written by lib/reduction.ts; exactly its own ArrayBuffer. */
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
