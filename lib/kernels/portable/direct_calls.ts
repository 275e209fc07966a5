// The calling thread's end of its direct channel to the broker
// (broker/direct_channels.ts): a blocking call writes its frame and waits in
// read(2) for the answer, with no hop through the I/O thread. Two FIFOs, or
// on Windows one named pipe.
import fs from 'node:fs';
import { CodedError } from '../../errors';
import { NOT_READY, SpinPolicy, spinSync } from '../../wait/spin_then_park';
import { FrameKind, HEADER, writeHeader, type DirectAnnouncement } from './wire';

export interface DirectReply {
  readonly ok: boolean;
  readonly bytes: Uint8Array;
}

export class DirectCaller {
  readonly #header = Buffer.alloc(HEADER);
  readonly #requestHeader = Buffer.alloc(HEADER);
  readonly #spin = new SpinPolicy();
  #closed = false;

  private constructor(
    /** What the channel is made of, for diagnostics. */
    readonly kind: 'fifos' | 'pipe',
    private readonly requests: number,
    private readonly replies: number,
    /** The replies FIFO opened again with O_NONBLOCK, to look for an answer without sleeping; -1 if none. */
    private readonly repliesNow = -1,
  ) {}

  /** Opens the channel the broker announced (it is listening, so no open waits); null if it cannot be. */
  static open(announcement: DirectAnnouncement): DirectCaller | null {
    return 'fifos' in announcement ? DirectCaller.#openFifos(announcement.fifos) : DirectCaller.#openPipe(announcement);
  }

  static #openFifos([requests, replies]: [string, string]): DirectCaller | null {
    let requestsFd = -1;
    let repliesFd = -1;
    try {
      requestsFd = fs.openSync(requests, fs.constants.O_WRONLY);
      repliesFd = fs.openSync(replies, fs.constants.O_RDONLY);
      // O_NONBLOCK belongs to the open file, so a second open gives a twin that never sleeps.
      const repliesNow = fs.openSync(replies, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      return new DirectCaller('fifos', requestsFd, repliesFd, repliesNow);
    } catch {
      if (requestsFd >= 0) fs.closeSync(requestsFd);
      if (repliesFd >= 0) fs.closeSync(repliesFd);
      return null;
    } finally {
      // Open ends are all either side needs: nobody else can open them now.
      fs.rmSync(requests, { force: true });
      fs.rmSync(replies, { force: true });
    }
  }

  // A Windows named pipe, opened as a file: one handle both ways, read and written synchronously.
  static #openPipe({ pipe, token }: { pipe: string; token: string }): DirectCaller | null {
    let fd = -1;
    try {
      fd = fs.openSync(pipe, 'r+');
      const proof = Buffer.from(token, 'hex');
      for (let at = 0; at < proof.length;) at += fs.writeSync(fd, proof, at);
      return new DirectCaller('pipe', fd, fd);
    } catch {
      if (fd >= 0) fs.closeSync(fd);
      return null;
    }
  }

  /**
   * Sends a one-way `payload` to run after the first `after` frames of this thread's
   * socket. The FIFO holds 64 KiB: past that this waits for the broker to read.
   */
  send(after: number, payload: Uint8Array): void {
    try {
      this.#write(FrameKind.Send, payload, after);
    } catch {
      throw this.#gone();
    }
  }

  /** Sends `payload` as send() does, and blocks for the answer. */
  call(after: number, payload: Uint8Array): DirectReply {
    try {
      this.#write(FrameKind.Call, payload, after);
      this.#readFully(this.#header, this.#spinForReply(this.#header));
      const bytes = new Uint8Array(this.#header.readUInt32LE(0));
      this.#readFully(bytes);
      return { ok: this.#header[8] === FrameKind.ReplyOk, bytes };
    } catch {
      throw this.#gone();
    }
  }

  // Header and payload in one writev: one wake-up for the broker, and no copy of a large payload.
  #write(kind: FrameKind, payload: Uint8Array, after: number): void {
    if (this.#closed) throw new Error('closed');
    const header = this.#requestHeader;
    writeHeader(header, 0, kind, payload.byteLength, after);
    const total = HEADER + payload.byteLength;
    // Past the FIFO's room a write takes part: the rest follows as the broker reads.
    let at = fs.writevSync(this.requests, [header, payload]);
    while (at < total) {
      at += at < HEADER ? fs.writeSync(this.requests, header, at) : fs.writeSync(this.requests, payload, at - HEADER);
    }
  }

  #gone(): CodedError {
    this.close();
    return new CodedError(
      'ERR_BROKER_GONE',
      "the portable backend's broker process is gone (its direct channel closed): objects shared " +
        'between processes are no longer reachable from this process',
    );
  }

  /**
   * Looks for the first bytes of the answer through the non-blocking twin for a
   * short window (spin_then_park.ts: the broker answers in microseconds when its
   * CPU is awake, and a sleeping thread takes 50-150 us to wake on a VM); returns
   * how many bytes of `into` it read.
   */
  #spinForReply(into: Uint8Array): number {
    if (this.repliesNow < 0) return 0;
    // An empty FIFO answers EAGAIN as an exception: without a stack it costs a third.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      const got = spinSync(() => this.#readNow(into), this.#spin);
      return got === NOT_READY ? 0 : got;
    } finally {
      Error.stackTraceLimit = stackTraceLimit;
    }
  }

  #readNow(into: Uint8Array): number | typeof NOT_READY {
    try {
      const got = fs.readSync(this.repliesNow, into, 0, into.length, null);
      if (got === 0) throw new Error('end of file on the replies FIFO');
      return got;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return NOT_READY;
      throw err;
    }
  }

  #readFully(into: Uint8Array, from = 0): void {
    for (let at = from; at < into.length;) {
      const got = fs.readSync(this.replies, into, at, into.length - at, null);
      if (got === 0) throw new Error('end of file on the replies FIFO');
      at += got;
    }
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    // One fd both ways on Windows: closed once, or the second close could hit a reused number.
    for (const fd of new Set([this.requests, this.replies, this.repliesNow])) {
      if (fd < 0) continue;
      try {
        fs.closeSync(fd);
      } catch {
        // closed already
      }
    }
  }
}
