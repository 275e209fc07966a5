// A pool's lazily read input (imap, imapUnordered): an iterable or an async
// iterable, read chunk by chunk and only as far ahead as the consumer allows,
// so that a generator of a billion items yields its first result at once and
// `buffersize` bounds what is submitted and not yet consumed.
import { CodedTypeError } from '../errors';

export interface FeedTarget {
  /** How many more items may be read now. */
  room(): number;
  /** A chunk read; false when the job no longer takes chunks (then reading stops). */
  chunk(offset: number, items: unknown[]): boolean;
  /**
   * The chunks read so far may go to the workers now: called once per burst of
   * reading (before the feed waits for an async input, and when it stops), so
   * that one-item chunks read together are sent together.
   */
  flush(): void;
  /** The input ended after `count` items. */
  end(count: number): void;
  /** Reading the input threw after `offset` items. */
  fail(offset: number, err: Error): void;
}

type AnyIterator = Iterator<unknown> | AsyncIterator<unknown>;

export class InputFeed {
  /** Items read from the input so far. */
  itemsRead = 0;
  readonly #chunksize: number;
  readonly #target: FeedTarget;
  readonly #iterator: AnyIterator | null = null;
  #reading = false;
  #done = false;

  constructor(iterable: Iterable<unknown> | AsyncIterable<unknown>, chunksize: number, target: FeedTarget) {
    this.#chunksize = chunksize;
    this.#target = target;
    const source = iterable as Partial<Iterable<unknown> & AsyncIterable<unknown>> | null | undefined;
    if (source != null && typeof source[Symbol.asyncIterator] === 'function')
      this.#iterator = source[Symbol.asyncIterator]!();
    else if (source != null && typeof source[Symbol.iterator] === 'function')
      this.#iterator = source[Symbol.iterator]!();
    else {
      this.#done = true;
      target.fail(
        0,
        new CodedTypeError(
          'ERR_INVALID_ARG_TYPE',
          `the pool needs an iterable or async iterable of inputs, got ${iterable === null ? 'null' : typeof iterable}`,
        ),
      );
    }
  }

  /** Whether more input may still come. */
  get open(): boolean {
    return !this.#done;
  }

  /** Reads while there is room; runs synchronously for a plain iterable. */
  fill(): void {
    if (this.#reading || this.#done) return;
    void this.#read();
  }

  /** Stops reading and lets the input clean up (a generator's finally blocks run). */
  close(): void {
    if (this.#done) return;
    this.#done = true;
    if (!this.#reading) this.#release();
  }

  async #read(): Promise<void> {
    this.#reading = true;
    try {
      while (!this.#done && this.#target.room() >= this.#chunksize) {
        const items: unknown[] = [];
        let exhausted = false;
        while (items.length < this.#chunksize) {
          let step: IteratorResult<unknown>;
          try {
            const next = this.#iterator!.next();
            // Only an async iterator costs an await: a plain one is read without leaving this turn.
            if (next instanceof Promise) {
              this.#target.flush(); // the chunks read so far go out before the wait
              step = await next;
            } else step = next as IteratorResult<unknown>;
          } catch (err) {
            this.#done = true;
            this.#submit(items);
            this.#target.fail(this.itemsRead, err as Error);
            return;
          }
          if (this.#done) return; // closed while we waited
          if (step.done) {
            exhausted = true;
            break;
          }
          items.push(step.value);
        }
        if (!this.#submit(items)) {
          this.#done = true;
          return;
        }
        if (exhausted) {
          this.#done = true;
          this.#target.end(this.itemsRead);
          return;
        }
      }
    } finally {
      this.#reading = false;
      this.#target.flush();
      if (this.#done) this.#release();
    }
  }

  #submit(items: unknown[]): boolean {
    if (items.length === 0) return true;
    const offset = this.itemsRead;
    this.itemsRead += items.length;
    return this.#target.chunk(offset, items);
  }

  #released = false;

  #release(): void {
    if (this.#released) return;
    this.#released = true;
    try {
      const result = this.#iterator?.return?.();
      if (result instanceof Promise) result.catch(() => {});
    } catch {
      // a generator's cleanup threw: nobody is left to tell
    }
  }
}
