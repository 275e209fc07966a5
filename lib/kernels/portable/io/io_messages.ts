// What a thread and its I/O thread (io_thread.ts) say to each other over their MessagePort.
import type { MessagePort } from 'node:worker_threads';

/** A call or one-way send; `bytes` is [op, args] written by lib/reduction.ts on the broker channel. */
export interface IoRequest {
  readonly id: number;
  readonly op: string;
  readonly oneWay: boolean;
  /** Answer through the sync port and the flag, for a thread blocked in Atomics.wait. */
  readonly sync: boolean;
  readonly bytes: Uint8Array;
}

export interface IoCancel {
  readonly cancel: number;
}

/** `bytes` is the value, or the error when !ok, written by lib/reduction.ts. */
export interface IoReply {
  readonly id: number;
  readonly ok: boolean;
  readonly bytes: Uint8Array;
}

export interface IoThreadData {
  readonly port: MessagePort;
  readonly syncPort: MessagePort;
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
