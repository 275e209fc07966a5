// Error classes a Python user would catch by type, and misuse errors with a
// stable `code` (Python's ValueError / AssertionError cases).

/** An Error with a stable machine-readable `code`, like Node's own `ERR_*` errors. */
export class CodedError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
    this.name = 'Error';
  }
}

export class CodedTypeError extends TypeError {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export class ProcessError extends Error {
  override name = 'ProcessError';
}

/** Python's queue.Empty: get() with block false or a timeout found nothing. */
export class Empty extends Error {
  override name = 'Empty';
}

/** Python's queue.Full: put() with block false or a timeout found no room. */
export class Full extends Error {
  override name = 'Full';
}

/** Python's EOFError: recv() on a connection whose other end is closed everywhere. */
export class EOFError extends Error {
  override name = 'EOFError';
}

/** recvBytesInto() got a message larger than the buffer; the whole message is in `received`. */
export class BufferTooShort extends Error {
  override name = 'BufferTooShort';
  readonly received: Buffer;
  constructor(message: string, received: Buffer) {
    super(message);
    this.received = received;
  }
}

/** Python's AuthenticationError: the two ends of a connection do not share the same authkey. */
export class AuthenticationError extends Error {
  override name = 'AuthenticationError';
}

/** Python's threading.BrokenBarrierError: the barrier was reset, aborted or timed out while waiting. */
export class BrokenBarrierError extends Error {
  override name = 'BrokenBarrierError';
}

/** A wait cancelled through an AbortSignal (shaped like Node's own AbortError). */
export class AbortError extends Error {
  override name = 'AbortError';
  readonly code = 'ABORT_ERR';
  constructor(message = 'The operation was aborted', options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Python's multiprocessing.TimeoutError: AsyncResult.get(timeout) found no result in time. */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/**
 * A pool worker died while running a task (SIGKILL, the OOM killer,
 * process.exit in the task). Only that task fails; the pool replaces the worker.
 */
export class WorkerLostError extends Error {
  override name = 'WorkerLostError';
  readonly pid: number;
  /** The signal's name ('SIGKILL') when the worker was killed, else null. */
  readonly signal: string | null;
  /** The exit code when the worker exited by itself, else null. */
  readonly exitCode: number | null;
  constructor(pid: number, signal: string | null, exitCode: number | null) {
    super(`pool worker ${pid} died while running this task (${signal ? `killed by ${signal}` : `exit code ${exitCode}`}); ` +
      'the pool replaced it and carries on with the other tasks');
    this.pid = pid;
    this.signal = signal;
    this.exitCode = exitCode;
  }
}

/** Python's concurrent.futures.CancelledError: the result of a future that was cancelled. */
export class CancelledError extends Error {
  override name = 'CancelledError';
}
