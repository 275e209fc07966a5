// Spin, then park: how a hot request/reply path waits for its answer.
//
// Waking a thread that sleeps costs a futex wake, and on a virtual machine
// whose other CPU has halted, 50-150 us before the sleeper runs (measured on
// the 2-core development VM: a sleeping consumer answers a put in 70-160 us, a
// spinning one in 3-6 us). Where one process answers another many times a
// second (a pool worker waiting for its next task, the pool waiting for a
// result), the waiter first looks again and again for a short window, then
// falls back to its ordinary sleep. A spin that ends empty-handed makes the
// waiter skip the spin on its next 1, 2, 4 ... 64 waits (reset by a spin that
// catches its answer), so idle or slow work costs a CPU at most one window in 64.
import { now } from './timeout';

/** What a look at a queue returns when nothing is there yet. */
export const NOT_READY: unique symbol = Symbol('not ready');
export type Look<T> = () => T | typeof NOT_READY;

/** How long one waiter spins before it parks, in milliseconds. */
export const SPIN_WINDOW_MS = 0.5;
const MAX_SKIPPED_SPINS = 64;

/** The adaptive part: whether the next wait is worth a spin, from how the last spins went. */
export class SpinPolicy {
  #skip = 0;
  #backoff = 0;

  /** Whether the wait about to start should spin first. */
  shouldSpin(): boolean {
    if (this.#skip === 0) return true;
    this.#skip--;
    return false;
  }

  /** What the spin came to: caught its answer, or ended empty-handed (then the wait parks). */
  spun(caught: boolean): void {
    if (caught) {
      this.#backoff = 0;
      return;
    }
    this.#backoff = Math.min(MAX_SKIPPED_SPINS, Math.max(1, this.#backoff * 2));
    this.#skip = this.#backoff;
  }
}

/**
 * Looks until an answer is there or the window ends, blocking this thread (for a
 * process with nothing else to do); one look when the policy skips the spin.
 */
export function spinSync<T>(look: Look<T>, policy: SpinPolicy): T | typeof NOT_READY {
  let value = look();
  if (value !== NOT_READY || !policy.shouldSpin()) return value;
  const until = now() + SPIN_WINDOW_MS;
  while (value === NOT_READY && now() < until) value = look();
  policy.spun(value !== NOT_READY);
  return value;
}

/** Resolves on the event loop's next turn, after pending I/O callbacks. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Looks once per event-loop turn until an answer is there, the window ends or
 * `wanted()` turns false (other callbacks run in between); one look when the
 * policy skips the spin.
 */
export async function spinAsync<T>(
  look: Look<T>,
  policy: SpinPolicy,
  wanted: () => boolean,
): Promise<T | typeof NOT_READY> {
  let value = look();
  if (value !== NOT_READY || !policy.shouldSpin()) return value;
  const until = now() + SPIN_WINDOW_MS;
  while (value === NOT_READY && now() < until && wanted()) {
    await nextTurn();
    value = look();
  }
  policy.spun(value !== NOT_READY);
  return value;
}
