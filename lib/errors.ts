// Error classes a Python user would catch by type, and misuse errors with a
// stable `code` (Python's ValueError / AssertionError cases).

/**
 * The stable codes of the library's errors (`err.code`), as Node's own `ERR_*`:
 * match on these, not on messages. AbortError's is Node's 'ABORT_ERR'.
 */
export type ErrorCode =
  | 'ERR_ATTRIBUTE_NOT_FOUND'
  | 'ERR_BACKEND_UNSUPPORTED'
  | 'ERR_BOOTSTRAP_NOT_DONE'
  | 'ERR_BROKER_GONE'
  | 'ERR_BROKER_OBJECT_GONE'
  | 'ERR_CONNECTION_CLOSED'
  | 'ERR_CONNECTION_NOT_READABLE'
  | 'ERR_CONNECTION_NOT_WRITABLE'
  | 'ERR_CONTEXT_ALREADY_SET'
  | 'ERR_DAEMON_CHILDREN'
  | 'ERR_EXECUTOR_SHUTDOWN'
  | 'ERR_FORKSERVER_FAILED'
  | 'ERR_FORK_UNSAFE'
  | 'ERR_INDEX_OUT_OF_RANGE'
  | 'ERR_INVALID_ARG_TYPE'
  | 'ERR_INVALID_ARG_VALUE'
  | 'ERR_INVALID_MESSAGE'
  | 'ERR_JOIN_TIMEOUT'
  | 'ERR_KEY_NOT_FOUND'
  | 'ERR_LISTENER_CLOSED'
  | 'ERR_LOCK_NOT_OWNED'
  | 'ERR_MANAGER_GONE'
  | 'ERR_MANAGER_NOT_OURS'
  | 'ERR_MANAGER_START_FAILED'
  | 'ERR_MESSAGE_TOO_LONG'
  | 'ERR_NATIVE_ADDON_MISSING'
  | 'ERR_NOT_IMPORTABLE'
  | 'ERR_NO_LOCK'
  | 'ERR_NO_START_METHOD'
  | 'ERR_OUT_OF_RANGE'
  | 'ERR_POOL_FD_CHANNEL'
  | 'ERR_POOL_NOT_OURS'
  | 'ERR_POOL_NOT_RUNNING'
  | 'ERR_POOL_RUNNING'
  | 'ERR_POOL_TERMINATED'
  | 'ERR_POOL_WORKER_START'
  | 'ERR_PROCESS_ALREADY_STARTED'
  | 'ERR_PROCESS_CLOSED'
  | 'ERR_PROCESS_JOIN_SELF'
  | 'ERR_PROCESS_NOT_OURS'
  | 'ERR_PROCESS_NOT_STARTED'
  | 'ERR_PROCESS_RUNNING'
  | 'ERR_QUEUE_CLOSED'
  | 'ERR_QUEUE_INTERNAL'
  | 'ERR_QUEUE_CORRUPT'
  | 'ERR_RESULT_NOT_READY'
  | 'ERR_SEMAPHORE_OVER_RELEASED'
  | 'ERR_SHARED_MEMORY_CLOSED'
  | 'ERR_TASK_DONE_TOO_MANY'
  | 'ERR_TASK_TIMEOUT'
  | 'ERR_UNCLONABLE'
  | 'ERR_UNKNOWN_METHOD'
  | 'ERR_UNKNOWN_OBJECT'
  | 'ERR_UNKNOWN_SIGNAL'
  | 'ERR_UNKNOWN_START_METHOD'
  | 'ERR_UNKNOWN_TYPE'
  | 'ERR_VALUE_NOT_FOUND';

/** An Error with a stable machine-readable `code`, like Node's own `ERR_*` errors. */
export class CodedError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = 'Error';
  }
}

export class CodedTypeError extends TypeError {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
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
    super(
      `pool worker ${pid} died while running this task (${signal ? `killed by ${signal}` : `exit code ${exitCode}`}); ` +
        'the pool replaced it and carries on with the other tasks',
    );
    this.pid = pid;
    this.signal = signal;
    this.exitCode = exitCode;
  }
}

/** Python's concurrent.futures.CancelledError: the result of a future that was cancelled. */
export class CancelledError extends Error {
  override name = 'CancelledError';
}
