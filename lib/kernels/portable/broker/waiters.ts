// Calls parked in the broker until the state they need arrives (an item, room,
// a message): first come, first served. Each waiter is an attempt that
// completes its call when it can; a change of state runs the attempts in
// order. A waiter leaves on success, on its timeout, or when its call is
// cancelled (ctx.signal: the caller aborted or its process went away).
import { atDeadline, now, type Timeout } from '../../../wait/timeout';

export type Attempt = () => boolean;

interface Parked {
  attempt: Attempt;
  leave(): void;
}

export class Waiters {
  readonly #parked = new Set<Parked>();
  #serving = false;
  #again = false;

  /**
   * Completes the call through `attempt` now or once a later serve() lets it;
   * else after `limit` ms (0: at once) runs `timedOut`, and on abort `aborted`.
   */
  park(attempt: Attempt, limit: Timeout, signal: AbortSignal, timedOut: () => void, aborted: () => void): void {
    if (attempt()) return;
    if (limit === 0 || signal.aborted) {
      if (signal.aborted) aborted();
      else timedOut();
      return;
    }
    const cancelTimer = limit === null ? null : atDeadline(now() + limit, () => end(timedOut));
    const onAbort = (): void => end(aborted);
    const parked: Parked = {
      attempt,
      leave: () => {
        cancelTimer?.();
        signal.removeEventListener('abort', onAbort);
        this.#parked.delete(parked);
      },
    };
    const end = (how: () => void): void => {
      parked.leave();
      how();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    this.#parked.add(parked);
  }

  /**
   * Runs the parked attempts in order; those that complete leave. An attempt
   * may change state that serves this list again: that runs after it, never
   * inside it (an attempt must not complete twice).
   */
  serve(): void {
    if (this.#serving) {
      this.#again = true;
      return;
    }
    this.#serving = true;
    try {
      do {
        this.#again = false;
        for (const parked of this.#parked) if (parked.attempt()) parked.leave();
      } while (this.#again);
    } finally {
      this.#serving = false;
    }
  }

  get size(): number {
    return this.#parked.size;
  }
}
