// The connection kernel (lib/kernel.ts): what a backend provides so that
// Pipe/Connection/wait (lib/connection.ts) and Listener/Client
// (lib/connection/listener.ts) can carry messages between processes. The
// public classes check arguments, encode values on their channel and run the
// authkey handshake; a kernel end moves framed messages, waits, and throws the
// errors of lib/connection/connection_errors.ts.
import type { EncodedMessage } from '../internal/codec';
import type { Timeout } from '../wait/timeout';

export interface ConnectionKernels {
  /** A connected pair: duplex, both ends send and receive; else [receiving end, sending end]. */
  pipe(duplex: boolean): [ConnectionEnd, ConnectionEnd];
  /** An end over an fd the caller hands over (posix; refused elsewhere). */
  fromFd(fd: number): ConnectionEnd;
  /** The end another process reduced with ConnectionEnd.reduced(). */
  attach(state: Record<string, unknown>, fds: number[]): ConnectionEnd;
  /**
   * The indexes of the objects ready within `limit`: ends with a message or at
   * end of file, and the backend's other waitables (process sentinels, fds).
   */
  wait(objects: unknown[], limit: Timeout): Promise<number[]>;
  waitSync(objects: unknown[], limit: Timeout): number[];
  /** Listens on `address` (null: a fresh private one). */
  listen(address: string | null, backlog: number): ListenerEnd;
  /** Connects to a ListenerEnd's address. */
  connect(address: string): Promise<ConnectionEnd>;
  connectSync(address: string): ConnectionEnd;
}

/** One end of a connection in this process. Reads take exactly one message. */
export interface ConnectionEnd {
  readonly closed: boolean;
  /** The OS handle waited on (posix: the fd); ERR_BACKEND_UNSUPPORTED where there is none. */
  fileno(): number;
  close(): void;
  send(message: EncodedMessage): Promise<void>;
  sendSync(message: EncodedMessage): void;
  sendBytes(bytes: Uint8Array): Promise<void>;
  sendBytesSync(bytes: Uint8Array): void;
  /** The next message sent with send(), decoded. */
  recv(): Promise<unknown>;
  recvSync(): unknown;
  /** The next message's bytes; ERR_MESSAGE_TOO_LONG (message discarded) past `limit`. */
  recvBytes(limit: number): Promise<Buffer>;
  recvBytesSync(limit: number): Buffer;
  /** The next message into `target`; BufferTooShort holding it when it does not fit. */
  recvBytesInto(target: Uint8Array): Promise<number>;
  recvBytesIntoSync(target: Uint8Array): number;
  /** Whether a message (or end of file) is ready within `limit`. */
  poll(limit: Timeout): Promise<boolean>;
  pollSync(limit: Timeout): boolean;
  /** What another process needs to attach(): plain state and the fds to pass. */
  reduced(): { state: Record<string, unknown>; fds: number[] };
}

/** A listening endpoint in this process. */
export interface ListenerEnd {
  /** What Client() connects to. */
  readonly address: string;
  readonly closed: boolean;
  fileno(): number;
  /** The next incoming connection; ERR_LISTENER_CLOSED when close() ends the wait. */
  accept(): Promise<ConnectionEnd>;
  acceptSync(): ConnectionEnd;
  /** Stops listening and removes what listen() created (a socket file). */
  close(): void;
}
