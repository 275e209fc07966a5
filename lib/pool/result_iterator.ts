// What imap and imapUnordered return (Python's IMapIterator): an async iterator
// fed by the pool as chunks finish; ordered, it holds results back until those
// before them have arrived. A failed chunk ends the iteration with its error
// (at its position when ordered). The pool hears of each result taken and of
// an iteration left early, so that it reads its input only as fast as results
// are consumed.

export interface ResultConsumer {
  /** A result was handed to the consumer. */
  taken(): void;
  /** The consumer left the iteration (break, return) or it ended with an error. */
  closed(): void;
}

export class ResultIterator<R = unknown> implements AsyncIterableIterator<R> {
  readonly #ordered: boolean;
  #expected = Infinity;
  #yielded = 0;
  #pending: unknown[] = [];
  #pendingHead = 0;
  readonly #chunks = new Map<number, ArrayLike<unknown>>();
  #nextOffset = 0;
  #error: { offset: number; err: Error } | null = null;
  #finished = false;
  #wake: (() => void) | null = null;
  readonly #consumer: ResultConsumer | null;

  constructor(ordered: boolean, consumer: ResultConsumer | null = null) {
    this.#ordered = ordered;
    this.#consumer = consumer;
  }

  /** How many results the iteration has in all. */
  expect(count: number): void {
    this.#expected = count;
    this.#notify();
  }

  /** A chunk's results: an array, or a Float64Array (pool/number_chunks.ts). */
  add(offset: number, values: ArrayLike<unknown>): void {
    if (!this.#ordered) {
      for (let i = 0; i < values.length; i++) this.#pending.push(values[i]);
    } else {
      this.#chunks.set(offset, values);
      let chunk: ArrayLike<unknown> | undefined;
      while ((chunk = this.#chunks.get(this.#nextOffset)) !== undefined) {
        this.#chunks.delete(this.#nextOffset);
        for (let i = 0; i < chunk.length; i++) this.#pending.push(chunk[i]);
        this.#nextOffset += chunk.length;
      }
    }
    this.#notify();
  }

  fail(offset: number, err: Error): void {
    if (this.#error === null || offset < this.#error.offset) this.#error = { offset, err };
    this.#notify();
  }

  /** Ends the iteration with `err` now, before any result not yet taken (an aborted imap). */
  abort(err: Error): void {
    this.#pending = [];
    this.#pendingHead = 0;
    this.#chunks.clear();
    this.#error = { offset: -Infinity, err };
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }

  async next(): Promise<IteratorResult<R>> {
    for (;;) {
      if (this.#finished) return { done: true, value: undefined };
      if (this.#pendingHead < this.#pending.length) {
        const value = this.#pending[this.#pendingHead++];
        if (this.#pendingHead > 1024 && this.#pendingHead * 2 > this.#pending.length) {
          this.#pending = this.#pending.slice(this.#pendingHead);
          this.#pendingHead = 0;
        }
        this.#yielded++;
        this.#consumer?.taken();
        return { done: false, value: value as R };
      }
      if (this.#error && (!this.#ordered || this.#error.offset <= this.#nextOffset)) {
        this.#finish();
        throw this.#error.err;
      }
      if (this.#yielded >= this.#expected) {
        this.#finish();
        return { done: true, value: undefined };
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
  }

  async return(): Promise<IteratorResult<R>> {
    this.#finish();
    return { done: true, value: undefined };
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#consumer?.closed();
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<R> {
    return this;
  }
}
