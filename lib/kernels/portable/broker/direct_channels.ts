// A client's direct channel for its blocking calls, where FIFOs exist: two
// FIFOs in the broker's private directory. The client's thread writes a
// request and blocks in read(2) for the answer, so a ...Sync call costs two
// wake-ups (thread to broker, broker to thread) instead of four through the
// client's I/O thread. Request frames carry, in the header's id, how many
// frames the client had sent on its socket before this one: the broker runs
// the request only after those, so the two ways in keep the client's order.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { readFrames, type FrameHandler } from '../wire';

export interface DirectChannel {
  /** Where the client opens its ends: [requests, replies]. */
  readonly paths: [string, string];
  /** Written to the client's replies FIFO. */
  write(bytes: Uint8Array): void;
  close(): void;
}

function unlinkQuietly(file: string): void {
  fs.rmSync(file, { force: true });
}

/**
 * Makes the FIFO pair named `name` in `directory` and calls onReady with it,
 * or never (no mkfifo here, or `isWanted` says the client left meanwhile): the
 * client then keeps calling through its I/O thread.
 */
export function openDirectChannel(
  directory: string,
  name: string,
  onRequest: FrameHandler,
  isWanted: () => boolean,
  onReady: (channel: DirectChannel) => void,
): void {
  const requests = path.join(directory, `${name}.requests`);
  const replies = path.join(directory, `${name}.replies`);
  // Node has no mkfifo(3); the command is on every Linux and macOS, and this runs once per client, off any caller's path.
  execFile('mkfifo', ['-m', '600', requests, replies], (err) => {
    if (err || !isWanted()) {
      unlinkQuietly(requests);
      unlinkQuietly(replies);
      return;
    }
    let reader: net.Socket;
    let writer: net.Socket;
    try {
      // O_RDWR: neither this open nor the client's waits for the other side to open.
      const flags = fs.constants.O_RDWR | fs.constants.O_NONBLOCK;
      reader = new net.Socket({ fd: fs.openSync(requests, flags), readable: true, writable: false });
      writer = new net.Socket({ fd: fs.openSync(replies, flags), readable: false, writable: true });
    } catch {
      unlinkQuietly(requests);
      unlinkQuietly(replies);
      return;
    }
    reader.on('error', () => {});
    writer.on('error', () => {});
    reader.unref();
    writer.unref();
    readFrames(reader, onRequest);
    onReady({
      paths: [requests, replies],
      write: (bytes) => {
        if (!writer.destroyed) writer.write(bytes);
      },
      close: () => {
        reader.destroy();
        writer.destroy();
        unlinkQuietly(requests);
        unlinkQuietly(replies);
      },
    });
  });
}
