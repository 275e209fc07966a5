// The broker's queues (service 'queue'): the items of every Queue,
// JoinableQueue and SimpleQueue of the tree, as their encoded bytes. Items
// never pass through the broker's decoder: a process encodes on its queue's
// channel and the getter decodes. The broker is single-threaded: each handler
// runs whole, so put, get, close and taskDone need no lock.
import { AbortError } from '../../../errors';
import type { Timeout } from '../../../wait/timeout';
import { joinTimedOut, queueClosed, queueEmpty, queueFull, taskDoneTooMany } from '../../../queues/queue_errors';
import { defineService, type CallContext } from './services';
import { HeldObjects } from './held_objects';
import { Waiters } from './waiters';
import { EncodedReply } from './encoded_reply';
import { frameOf } from '../../../internal/codec';

/** An encoded item, as the getter decodes it: its codec tag, then its body (lib/reduction.ts's frame). */
type Item = Uint8Array;

const itemOf = (tag: number, body: Uint8Array): Item => frameOf({ tag, body });

class BrokerQueue {
  #items: Item[] = [];
  #head = 0;
  closed = false;
  /** Items put and not yet marked taskDone (JoinableQueue). */
  unfinished = 0;
  readonly getters = new Waiters();
  readonly putters = new Waiters();
  readonly joiners = new Waiters();

  constructor(readonly maxsize: number) {}

  get size(): number {
    return this.#items.length - this.#head;
  }

  get hasRoom(): boolean {
    return this.maxsize === 0 || this.size < this.maxsize;
  }

  push(item: Item): void {
    this.#items.push(item);
    this.unfinished++;
    this.getters.serve();
  }

  shift(): Item {
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined as never;
    // Drop the consumed prefix now and then, not on every get.
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    this.putters.serve();
    return item;
  }

  close(): void {
    this.closed = true;
    this.putters.serve();
    this.getters.serve();
  }
}

const queues = new HeldObjects<BrokerQueue>('queue', (queue) => queue.close());

function settle<T>(
  ctx: CallContext,
  limit: Timeout,
  waiters: Waiters,
  attempt: (resolve: (value: T) => void, reject: (err: unknown) => void) => boolean,
  timedOut: () => Error,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    waiters.park(
      () => attempt(resolve, reject),
      limit,
      ctx.signal,
      () => reject(timedOut()),
      () => reject(new AbortError('the call was cancelled')),
    );
  });
}

defineService(
  'queue',
  {
    create: (ctx, maxsize: number) => queues.add(ctx.client.id, new BrokerQueue(maxsize)),
    lend: (ctx, id: number, token: string) => queues.lend(ctx.client.id, id, token),
    attach: (ctx, id: number, token: string) => queues.attach(ctx.client.id, id, token),
    release: (ctx, id: number) => queues.release(ctx.client.id, id),

    /** A one-way put on an unbounded queue: dropped once the queue is closed (the putter learns on its next call). */
    push: (_ctx, id: number, tag: number, body: Uint8Array) => {
      const queue = queues.get(id);
      if (!queue.closed) queue.push(itemOf(tag, body));
    },

    put: (ctx, id: number, tag: number, body: Uint8Array, limit: Timeout) => {
      const queue = queues.get(id);
      if (queue.closed) throw queueClosed();
      if (queue.hasRoom) {
        queue.push(itemOf(tag, body));
        return null;
      }
      return settle<null>(
        ctx,
        limit,
        queue.putters,
        (resolve, reject) => {
          if (queue.closed) reject(queueClosed());
          else if (queue.hasRoom) {
            // Resolve first: push() serves getters, which may serve putters again.
            resolve(null);
            queue.push(itemOf(tag, body));
          } else return false;
          return true;
        },
        queueFull,
      );
    },

    get: (ctx, id: number, limit: Timeout) => {
      const queue = queues.get(id);
      if (queue.size > 0) return new EncodedReply(queue.shift());
      if (queue.closed) throw queueClosed();
      return settle<EncodedReply>(
        ctx,
        limit,
        queue.getters,
        (resolve, reject) => {
          if (queue.size > 0) resolve(new EncodedReply(queue.shift()));
          else if (queue.closed) reject(queueClosed());
          else return false;
          return true;
        },
        queueEmpty,
      );
    },

    state: (_ctx, id: number) => {
      const queue = queues.get(id);
      return [queue.size, queue.closed];
    },

    close: (_ctx, id: number) => {
      queues.get(id).close();
      return null;
    },

    taskDone: (_ctx, id: number) => {
      const queue = queues.get(id);
      if (queue.unfinished === 0) throw taskDoneTooMany();
      if (--queue.unfinished === 0) queue.joiners.serve();
      return null;
    },

    join: (ctx, id: number, limit: Timeout, call: string) => {
      const queue = queues.get(id);
      if (queue.unfinished === 0) return null;
      return settle<null>(
        ctx,
        limit,
        queue.joiners,
        (resolve) => {
          if (queue.unfinished !== 0) return false;
          resolve(null);
          return true;
        },
        () => joinTimedOut(call, limit),
      );
    },
  },
  { clientGone: (client) => queues.clientGone(client.id) },
);
