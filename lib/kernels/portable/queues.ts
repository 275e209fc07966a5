// The portable queue kernel: each queue lives in the broker (broker/queues.ts)
// as encoded items; this process holds it by id. A put on an unbounded queue
// is a one-way send (ordered after this process's earlier calls, so its own
// later get sees it); bounded puts, gets and joins are calls the broker
// answers when it can, with the timeout counted there.
import { call, callSync, send, sendAfterCrossing } from './crossing_sends';
import type { EncodedMessage } from '../../internal/codec';
import type { Timeout } from '../../wait/timeout';
import { queueClosed } from '../../queues/queue_errors';
import { CodedTypeError } from '../../errors';
import { transferToken } from './held_token';
import type { QueueKernel, QueueKernels } from '../queues';

const releaseOnCollect = new FinalizationRegistry<number>((id) => {
  try {
    send('queue.release', [id]);
  } catch {
    /* the process is ending */
  }
});

export class BrokerQueue implements QueueKernel {
  readonly #id: number;
  readonly #maxsize: number;
  /** Once closed a queue stays closed: after this process learns it, puts fail here. */
  #knownClosed = false;
  readonly #noteClosed = (err: unknown): never => {
    if ((err as { code?: string })?.code === 'ERR_QUEUE_CLOSED') this.#knownClosed = true;
    throw err;
  };

  constructor(id: number, maxsize: number) {
    this.#id = id;
    this.#maxsize = maxsize;
    releaseOnCollect.register(this, id);
  }

  get maxsize(): number {
    return this.#maxsize;
  }

  put(message: EncodedMessage, limit: Timeout, signal: AbortSignal | undefined): Promise<void> {
    if (this.#knownClosed) return Promise.reject(queueClosed());
    if (this.#maxsize === 0) {
      send('queue.push', [this.#id, message.tag, message.body]);
      return Promise.resolve();
    }
    return call('queue.put', [this.#id, message.tag, message.body, limit], { signal }).then(
      () => undefined,
      this.#noteClosed,
    );
  }

  putSync(message: EncodedMessage, limit: Timeout): void {
    if (this.#knownClosed) throw queueClosed();
    if (this.#maxsize === 0) {
      send('queue.push', [this.#id, message.tag, message.body]);
      return;
    }
    try {
      callSync('queue.put', [this.#id, message.tag, message.body, limit]);
    } catch (err) {
      this.#noteClosed(err);
    }
  }

  get(limit: Timeout, signal: AbortSignal | undefined): Promise<unknown> {
    // The broker answers with the item's own encoding: the reply is the item.
    return call('queue.get', [this.#id, limit], { signal }).catch(this.#noteClosed);
  }

  getSync(limit: Timeout): unknown {
    try {
      return callSync('queue.get', [this.#id, limit]);
    } catch (err) {
      return this.#noteClosed(err);
    }
  }

  #state(): [size: number, closed: boolean] {
    const state = callSync('queue.state', [this.#id]) as [number, boolean];
    if (state[1]) this.#knownClosed = true;
    return state;
  }

  qsize(): number {
    return this.#state()[0];
  }

  close(): void {
    this.#knownClosed = true;
    callSync('queue.close', [this.#id]);
  }

  get closed(): boolean {
    return this.#knownClosed || this.#state()[1];
  }

  /** The broker holds no lock a process could die with. */
  get recoveredLocks(): number {
    return 0;
  }

  taskDone(): void {
    callSync('queue.taskDone', [this.#id]);
  }

  async join(limit: Timeout, signal: AbortSignal | undefined): Promise<void> {
    await call('queue.join', [this.#id, limit, 'join()'], { signal });
  }

  joinSync(limit: Timeout): void {
    callSync('queue.join', [this.#id, limit, 'joinSync()']);
  }

  reduced(): { state: Record<string, unknown>; fds: number[] } {
    const token = transferToken();
    sendAfterCrossing('queue.lend', [this.#id, token]);
    return { state: { id: this.#id, maxsize: this.#maxsize, token }, fds: [] };
  }
}

// bufferSize sizes the posix ring; here it is only checked, with the ring's
// smallest size, so that a program behaves the same on both backends.
const MIN_BUFFER = 4096;
const MAX_BUFFER = 2 ** 32;

function checkBufferSize(bufferSize: number | undefined): void {
  if (bufferSize === undefined) return;
  if (!Number.isInteger(bufferSize) || bufferSize < MIN_BUFFER || bufferSize > MAX_BUFFER) {
    throw new CodedTypeError(
      'ERR_INVALID_ARG_VALUE',
      `bufferSize must be an integer from ${MIN_BUFFER} to ${MAX_BUFFER}, got ${String(bufferSize)}`,
    );
  }
}

export const brokerQueues: QueueKernels = {
  create: (maxsize, opts) => {
    checkBufferSize(opts.bufferSize);
    return new BrokerQueue(callSync('queue.create', [maxsize]) as number, maxsize);
  },
  attach: (state) => {
    const { id, maxsize, token } = state as { id: number; maxsize: number; token: string };
    sendAfterCrossing('queue.attach', [id, token]);
    return new BrokerQueue(id, maxsize);
  },
};
