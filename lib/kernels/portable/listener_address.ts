// Where a portable Listener listens: a unix socket path on Linux and macOS (a
// fresh one in a private directory when none is given), a named pipe on
// Windows, where sockets have no filesystem path (\\.\pipe\<name>). The
// platform is a parameter so that both are tested everywhere.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CodedError } from '../../errors';

// sun_path holds 108 bytes on Linux, 104 on macOS, the terminating NUL included;
// Node would bind a longer path cut short instead of failing.
const MAX_SOCKET_PATH: Partial<Record<NodeJS.Platform, number>> = { darwin: 103 };
const DEFAULT_MAX_SOCKET_PATH = 107;

const WINDOWS_PIPE_PREFIXES = ['\\\\.\\pipe\\', '\\\\?\\pipe\\'];

export interface ListenerAddress {
  address: string;
  /** A private directory made for the socket, removed when the listener closes; null otherwise. */
  directory: string | null;
}

/** Whether `address` names a Windows named pipe. */
export function isWindowsPipeName(address: string): boolean {
  const lower = address.toLowerCase();
  return WINDOWS_PIPE_PREFIXES.some((prefix) => lower.startsWith(prefix));
}

/** A fresh, unguessable address for a Listener given none. */
export function freshListenerAddress(
  platform: NodeJS.Platform = process.platform,
  random: string = crypto.randomBytes(12).toString('hex'),
  tmpdir: string = os.tmpdir(),
): ListenerAddress {
  if (platform === 'win32') return { address: `\\\\.\\pipe\\pmp-listener-${random}`, directory: null };
  // mkdtemp makes the directory 0700: only this user can reach the socket.
  const directory = fs.mkdtempSync(path.join(tmpdir, 'pmp-listener-'));
  return { address: path.join(directory, 'socket'), directory };
}

/** Checks an address a user gave to Listener or Client for this platform. */
export function checkedListenerAddress(address: string, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32' && !isWindowsPipeName(address)) {
    throw new CodedError(
      'ERR_INVALID_ARG_VALUE',
      `on Windows a Listener address is a named pipe like '\\\\.\\pipe\\my-app', got '${address}'`,
    );
  }
  const max = MAX_SOCKET_PATH[platform] ?? DEFAULT_MAX_SOCKET_PATH;
  if (platform !== 'win32' && Buffer.byteLength(address) > max) {
    const err: NodeJS.ErrnoException = new Error(`ENAMETOOLONG: a unix socket path holds at most ${max} bytes`);
    Object.assign(err, { code: 'ENAMETOOLONG', errno: -36, syscall: 'bind', path: address });
    throw err;
  }
  return address;
}
