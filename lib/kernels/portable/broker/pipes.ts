// The broker's pipes (service 'pipe'): each end of a Pipe() is a mailbox here,
// holding the frames sent to it by the other end. An end is open while some
// process holds it (held_objects.ts), so a reader sees end of file once the
// other end has been closed, or its holders have exited or died, and its
// mailbox is drained: the same rule as a socketpair shared by processes.
import type { Timeout } from '../../../wait/timeout';
import { AbortError } from '../../../errors';
import { endOfFile, messageTooLong } from '../../../connection/connection_errors';
import { defineService, type CallContext } from './services';
import { HeldObjects } from './held_objects';
import { Waiters } from './waiters';

class PipeEnd {
  #inbox: Uint8Array[] = [];
  #head = 0;
  open = true;
  peer: PipeEnd | null = null;
  /** Calls waiting for a frame or end of file. */
  readonly readers = new Waiters();

  get pending(): number {
    return this.#inbox.length - this.#head;
  }

  /** A recv would not wait: a frame is there, or end of file. */
  get readable(): boolean {
    return this.pending > 0 || !this.peer!.open;
  }

  deliver(frame: Uint8Array): void {
    if (!this.open) return; // no one can read it any more
    this.#inbox.push(frame);
    this.readers.serve();
  }

  take(): Uint8Array {
    const frame = this.#inbox[this.#head];
    this.#inbox[this.#head++] = undefined as never;
    if (this.#head > 1024 && this.#head * 2 > this.#inbox.length) {
      this.#inbox = this.#inbox.slice(this.#head);
      this.#head = 0;
    }
    return frame;
  }

  closed(): void {
    this.open = false;
    this.#inbox = [];
    this.#head = 0;
    this.peer!.readers.serve(); // its readers see end of file
  }
}

const ends = new HeldObjects<PipeEnd>('pipe end', (end) => end.closed());

const cancelled = (): AbortError => new AbortError('the call was cancelled');

/** The next frame of `end`, or end of file, within `limit`. */
function receive(ctx: CallContext, end: PipeEnd, maxlength: number | null): Uint8Array | Promise<Uint8Array> {
  const take = (): Uint8Array => {
    if (end.pending === 0) throw endOfFile(false);
    const frame = end.take();
    if (maxlength !== null && frame.byteLength > maxlength) throw messageTooLong(frame.byteLength, maxlength);
    return frame;
  };
  if (end.readable) return take();
  return new Promise((resolve, reject) => {
    end.readers.park(
      () => {
        if (!end.readable) return false;
        try {
          resolve(take());
        } catch (err) {
          reject(err);
        }
        return true;
      },
      null,
      ctx.signal,
      () => {},
      () => reject(cancelled()),
    );
  });
}

/** The indexes of `targets` that are readable, waiting up to `limit` for one. */
function readyAmong(ctx: CallContext, targets: PipeEnd[], limit: Timeout): number[] | Promise<number[]> {
  const ready = (): number[] => targets.flatMap((end, i) => (end.readable ? [i] : []));
  const now = ready();
  if (now.length > 0 || limit === 0 || targets.length === 0) return now;
  return new Promise((resolve, reject) => {
    const done = new AbortController();
    let finished = false;
    const finish = (outcome: () => void): void => {
      if (finished) return;
      finished = true;
      done.abort();
      outcome();
    };
    const onCancel = (): void => finish(() => reject(cancelled()));
    ctx.signal.addEventListener('abort', onCancel, { once: true });
    done.signal.addEventListener('abort', () => ctx.signal.removeEventListener('abort', onCancel), { once: true });
    for (const end of targets) {
      end.readers.park(
        () => {
          if (!end.readable) return false;
          finish(() => resolve(ready()));
          return true;
        },
        limit,
        done.signal,
        () => finish(() => resolve([])),
        () => {},
      );
    }
  });
}

defineService(
  'pipe',
  {
    create: (ctx) => {
      const a = new PipeEnd();
      const b = new PipeEnd();
      a.peer = b;
      b.peer = a;
      return [ends.add(ctx.client.id, a), ends.add(ctx.client.id, b)];
    },
    lend: (ctx, id: number, token: string) => ends.lend(ctx.client.id, id, token),
    attach: (ctx, id: number, token: string) => ends.attach(ctx.client.id, id, token),
    release: (ctx, id: number) => ends.release(ctx.client.id, id),

    /** One-way: a frame for the other end (dropped when no one can read it any more). */
    send: (_ctx, id: number, frame: Uint8Array) => {
      ends.get(id).peer!.deliver(frame);
    },
    recv: (ctx, id: number, maxlength: number | null) => receive(ctx, ends.get(id), maxlength),
    wait: (ctx, ids: number[], limit: Timeout) =>
      readyAmong(
        ctx,
        ids.map((id) => ends.get(id)),
        limit,
      ),
  },
  { clientGone: (client) => ends.clientGone(client.id) },
);
