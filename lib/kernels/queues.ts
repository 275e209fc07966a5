// The queue kernel (lib/kernel.ts): what a backend provides so that Queue,
// JoinableQueue and SimpleQueue (lib/queues.ts) can move items between
// processes. The public classes check arguments and encode items on their
// channel (lib/reduction.ts); a kernel stores and hands back encoded items,
// waits, and throws the errors of lib/queues/queue_errors.ts.
import type { EncodedMessage } from '../internal/codec';
import type { Timeout } from '../wait/timeout';

export interface QueueKernels {
  /** A new queue of at most `maxsize` items (0: unbounded; checked by the caller). */
  create(maxsize: number, opts: { bufferSize?: number }): QueueKernel;
  /** The queue another process reduced with QueueKernel.reduced(). */
  attach(state: Record<string, unknown>, fds: number[]): QueueKernel;
}

/** One queue as seen by one process. `limit` is a normalised timeout: 0 polls once, null waits forever. */
export interface QueueKernel {
  readonly maxsize: number;
  put(message: EncodedMessage, limit: Timeout, signal: AbortSignal | undefined): Promise<void>;
  putSync(message: EncodedMessage, limit: Timeout): void;
  /** The next item, decoded. */
  get(limit: Timeout, signal: AbortSignal | undefined): Promise<unknown>;
  getSync(limit: Timeout): unknown;
  /**
   * The next item if one is there right now, else NOT_READY: never waits, never
   * throws Empty. Only where a look costs no more than a read of shared memory
   * (absent under portable, where each look is a broker round trip).
   */
  tryGet?(): unknown;
  qsize(): number;
  close(): void;
  readonly closed: boolean;
  /** How often an operation found the queue's lock held by a dead process (0 where no lock can be left held). */
  readonly recoveredLocks: number;
  taskDone(): void;
  /** Resolves once every item put has been marked done; ERR_JOIN_TIMEOUT after `limit`. */
  join(limit: Timeout, signal: AbortSignal | undefined): Promise<void>;
  joinSync(limit: Timeout): void;
  /** What another process needs to attach(): plain state (no `channel` key) and the fds to pass. */
  reduced(): { state: Record<string, unknown>; fds: number[] };
}
