// The byte format between a process and the broker: frames of a 13-byte
// header (payload length u32, call id u32, kind u8, after u32) and a payload
// written by lib/reduction.ts on the broker channel. The I/O thread routes
// replies by the header alone and never decodes a payload it only relays.
// `after` orders a thread's two ways into the broker (its I/O thread's socket
// and its direct channel, broker/direct_channels.ts): how many frames the
// thread had sent the other way before this one.
import type { Socket } from 'node:net';
import { CodedError } from '../../errors';

export const HEADER = 13;

/** What a frame is: a request from a client, or a reply from the broker. */
export const enum FrameKind {
  Call = 0,
  Send = 1,
  Cancel = 2,
  ReplyError = 3,
  ReplyOk = 4,
  /** From the broker, once: how to open the client's direct channel (a DirectAnnouncement, as JSON). */
  DirectChannel = 5,
}

/** How a client opens its direct channel (broker/direct_channels.ts), sent as the JSON payload of a DirectChannel frame. */
export type DirectAnnouncement =
  { readonly fifos: [requests: string, replies: string] } | { readonly pipe: string; readonly token: string };

/** What a client writes first on a Windows direct channel: the token it was sent, proving it is the client. */
export const DIRECT_TOKEN_BYTES = 32;

/** Frames larger than this are refused: a peer that claims more is broken or hostile. */
export const MAX_FRAME = 1 << 30;

/**
 * Throws, before any byte is written, for a payload the broker would refuse:
 * a refused frame would cost the whole channel, and every call after it.
 */
export function checkPayloadLength(length: number): void {
  if (length > MAX_FRAME)
    throw new CodedError(
      'ERR_MESSAGE_TOO_LONG',
      `a message of ${length} bytes is longer than the portable backend's limit of ${MAX_FRAME} bytes (1 GiB); ` +
        'nothing was sent: send it in smaller pieces',
    );
}

export function writeHeader(into: Buffer, id: number, kind: FrameKind, payloadLength: number, after: number): void {
  into.writeUInt32LE(payloadLength, 0);
  into.writeUInt32LE(id, 4);
  into[8] = kind;
  into.writeUInt32LE(after, 9);
}

export function frame(id: number, kind: FrameKind, payload: Uint8Array, after = 0): Buffer {
  const out = Buffer.allocUnsafe(HEADER + payload.byteLength);
  writeHeader(out, id, kind, payload.byteLength, after);
  out.set(payload, HEADER);
  return out;
}

export type FrameHandler = (id: number, kind: FrameKind, payload: Buffer, after: number) => void;

/** Cuts a byte stream into frames; calls onFrame for each, in order. */
export class FrameReader {
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Bytes the next frame needs before it can be cut: a large frame's chunks are joined once, not once per chunk. */
  #needed = HEADER;

  constructor(private readonly onFrame: FrameHandler) {}

  push(chunk: Buffer): void {
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    if (this.#pendingBytes < this.#needed) return;
    let data = this.#pending.length === 1 ? this.#pending[0] : Buffer.concat(this.#pending, this.#pendingBytes);
    let at = 0;
    while (data.length - at >= HEADER) {
      const length = data.readUInt32LE(at);
      if (length > MAX_FRAME)
        throw new CodedError('ERR_INVALID_MESSAGE', `a frame of ${length} bytes is past the limit`);
      if (data.length - at < HEADER + length) break;
      this.onFrame(
        data.readUInt32LE(at + 4),
        data[at + 8] as FrameKind,
        data.subarray(at + HEADER, at + HEADER + length),
        data.readUInt32LE(at + 9),
      );
      at += HEADER + length;
    }
    data = data.subarray(at);
    this.#pending = data.length > 0 ? [data] : [];
    this.#pendingBytes = data.length;
    this.#needed = data.length >= HEADER ? HEADER + data.readUInt32LE(0) : HEADER;
  }
}

/** Reads frames from `socket` until it ends; a malformed stream destroys it. */
export function readFrames(socket: Socket, onFrame: FrameHandler): void {
  const reader = new FrameReader(onFrame);
  socket.on('data', (chunk: Buffer) => {
    // What the frames of one chunk make the reader write goes out as one write.
    socket.cork();
    try {
      reader.push(chunk);
    } catch (err) {
      socket.destroy(err as Error);
    } finally {
      socket.uncork();
    }
  });
}
