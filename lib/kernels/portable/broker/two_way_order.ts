// A client thread reaches the broker two ways: through its I/O thread's
// socket and through its direct channel (direct_channels.ts). Each frame
// says how many frames the thread had sent the other way before it; a frame
// runs only once those have run, and the frames behind it on its own way
// wait with it, so the broker runs a thread's calls in the order it made them.

export const enum Way {
  Socket = 0,
  Direct = 1,
}

interface Waiting {
  readonly id: number;
  readonly after: number;
  readonly run: (cancelled: boolean) => void;
  cancelled: boolean;
}

export class TwoWayOrder {
  readonly #ran = [0, 0];
  readonly #waiting: [Waiting[], Waiting[]] = [[], []];

  /** Whether a frame arriving now on `way` after `after` frames of the other way runs at once. */
  ready(way: Way, after: number): boolean {
    return this.#waiting[way].length === 0 && this.#reached(way === Way.Socket ? Way.Direct : Way.Socket, after);
  }

  // Counts wrap at 2^32 as the client's do: `after` is reached when it is not ahead of what ran.
  #reached(way: Way, after: number): boolean {
    return ((this.#ran[way] - after) | 0) >= 0;
  }

  /** Runs `run` now if its predecessors on the other way have run, or once they have. */
  arrive(way: Way, id: number, after: number, run: (cancelled: boolean) => void): void {
    this.#waiting[way].push({ id, after, run, cancelled: false });
    this.#drain();
  }

  /** Marks a frame that has not run yet as cancelled (it runs already aborted); false if there is none. */
  cancelWaiting(way: Way, id: number): boolean {
    const waiting = this.#waiting[way].find((frame) => frame.id === id);
    if (waiting) waiting.cancelled = true;
    return waiting !== undefined;
  }

  #drain(): void {
    for (let progress = true; progress;) {
      progress = false;
      for (const way of [Way.Socket, Way.Direct]) {
        const queue = this.#waiting[way];
        const other = way === Way.Socket ? Way.Direct : Way.Socket;
        while (queue.length > 0 && this.#reached(other, queue[0].after)) {
          const frame = queue.shift()!;
          this.#ran[way] = (this.#ran[way] + 1) >>> 0;
          frame.run(frame.cancelled);
          progress = true;
        }
      }
    }
  }
}
