// What Connection, wait() and Listener throw when an operation cannot go on,
// one wording whichever backend's kernel detects it.
import { BufferTooShort, CodedError, CodedTypeError, EOFError } from '../errors';

export function connectionClosed(): CodedError {
  return new CodedError('ERR_CONNECTION_CLOSED', 'the connection is closed');
}

export function endOfFile(midMessage: boolean): EOFError {
  return new EOFError(
    midMessage
      ? 'the other end closed the connection in the middle of a message'
      : 'the other end of the connection is closed',
  );
}

export function messageTooLong(size: number, limit: number): CodedError {
  return new CodedError(
    'ERR_MESSAGE_TOO_LONG',
    `the message (${size} bytes) is longer than maxlength (${limit}); it was discarded`,
  );
}

export function frameTooLong(size: number): CodedError {
  return new CodedError('ERR_MESSAGE_TOO_LONG', `a message of ${size} bytes exceeds the 4 GiB frame limit`);
}

export function tooShort(received: Buffer, room: number): BufferTooShort {
  return new BufferTooShort(
    `the message (${received.length} bytes) does not fit in the ${room} bytes after offset; it is in err.received`,
    received,
  );
}

export function notWaitable(): CodedTypeError {
  return new CodedTypeError(
    'ERR_INVALID_ARG_TYPE',
    'wait(objects): each object must be a Connection, an fd, or have a sentinel fd or fileno()',
  );
}

export function listenerClosed(address: string): CodedError {
  return new CodedError('ERR_LISTENER_CLOSED', `the listener on '${address}' is closed`);
}

export function listenerClosedWhileAccepting(): CodedError {
  return new CodedError('ERR_LISTENER_CLOSED', 'the listener was closed while accept() was waiting');
}
