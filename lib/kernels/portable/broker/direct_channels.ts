// A client's direct channel for its blocking calls and one-way sends: the
// client's thread writes a request and blocks in read(2) for the answer, so a
// ...Sync call costs two wake-ups (thread to broker, broker to thread) instead
// of four through the client's I/O thread. Frames carry, in their header's
// `after`, how many frames the client had sent on its socket before this one
// (two_way_order.ts keeps the client's order across the two ways).
//
// Where FIFOs exist, the channel is two of them in the broker's private
// directory. On Windows it is a named pipe with a random name, one connection
// only, which must first prove the token the client learnt on its
// authenticated socket (pipe names can be listed by any local user).
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { DIRECT_TOKEN_BYTES, readFrames, type DirectAnnouncement, type FrameHandler } from '../wire';

export interface DirectChannel {
  /** What the client needs to open its end (sent on its authenticated socket). */
  readonly announcement: DirectAnnouncement;
  /** Written to the client's end. */
  write(bytes: Uint8Array): void;
  close(): void;
}

/** Where channels are made: FIFOs in the broker's private directory, or Windows named pipes. */
export type ChannelPlace = { readonly directory: string } | { readonly pipes: true };

/**
 * Makes a channel for the client `name` and calls onReady with it, or never
 * (nothing can be made here, or `isWanted` says the client left meanwhile):
 * the client then keeps calling through its I/O thread.
 */
export function openDirectChannel(
  place: ChannelPlace,
  name: string,
  onRequest: FrameHandler,
  isWanted: () => boolean,
  onReady: (channel: DirectChannel) => void,
): void {
  if ('directory' in place) openFifoChannel(place.directory, name, onRequest, isWanted, onReady);
  else openPipeChannel(onRequest, isWanted, onReady);
}

function unlinkQuietly(file: string): void {
  fs.rmSync(file, { force: true });
}

function openFifoChannel(
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
      announcement: { fifos: [requests, replies] },
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

function openPipeChannel(
  onRequest: FrameHandler,
  isWanted: () => boolean,
  onReady: (channel: DirectChannel) => void,
): void {
  const pipe = `\\\\.\\pipe\\pmp-direct-${crypto.randomBytes(16).toString('hex')}`;
  const token = crypto.randomBytes(DIRECT_TOKEN_BYTES);
  const server = net.createServer();
  let client: net.Socket | null = null;
  server.on('error', () => server.close());
  server.on('connection', (socket) => {
    socket.on('error', () => socket.destroy());
    if (client) {
      socket.destroy();
      return;
    }
    let buffered = Buffer.alloc(0);
    const onToken = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      if (buffered.length < DIRECT_TOKEN_BYTES) return;
      socket.off('data', onToken);
      const offered = buffered.subarray(0, DIRECT_TOKEN_BYTES);
      // Anyone may connect to a pipe by name: only the holder of the token is the client.
      if (client || !crypto.timingSafeEqual(offered, token)) {
        socket.destroy();
        return;
      }
      client = socket;
      server.close();
      socket.unref();
      readFrames(socket, onRequest);
      if (buffered.length > DIRECT_TOKEN_BYTES) socket.emit('data', buffered.subarray(DIRECT_TOKEN_BYTES));
    };
    socket.on('data', onToken);
  });
  server.listen(pipe, () => {
    if (!isWanted()) {
      server.close();
      return;
    }
    server.unref();
    onReady({
      announcement: { pipe, token: token.toString('hex') },
      write: (bytes) => {
        if (client && !client.destroyed) client.write(bytes);
      },
      close: () => {
        server.close();
        client?.destroy();
      },
    });
  });
}
