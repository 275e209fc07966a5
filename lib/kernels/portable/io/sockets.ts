// Listener and Client sockets of the portable backend (service 'socket'),
// served in the process's own I/O thread: the sockets belong to this process,
// and its main thread can block in the ...Sync forms while this thread reads
// and writes. Messages are framed as the posix backend frames them (a 4-byte
// little-endian length, then the bytes), so the two backends can talk.
import fs from 'node:fs';
import net from 'node:net';
import type { Timeout } from '../../../wait/timeout';
import { AbortError } from '../../../errors';
import {
  endOfFile,
  listenerClosed,
  listenerClosedWhileAccepting,
  messageTooLong,
} from '../../../connection/connection_errors';
import { checkedListenerAddress, freshListenerAddress } from '../listener_address';
import { Waiters } from '../broker/waiters';
import { defineService, type CallContext } from './local_services';

const HEADER = 4;
const cancelled = (): AbortError => new AbortError('the call was cancelled');

/** A connected socket cut into frames as they arrive. */
class FramedSocket {
  readonly #frames: Buffer[] = [];
  #buffered: Buffer = Buffer.alloc(0);
  ended = false;
  readonly readers = new Waiters();

  constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#take(chunk));
    const end = (): void => {
      this.ended = true;
      this.readers.serve();
    };
    socket.on('end', end);
    socket.on('close', end);
    socket.on('error', () => {}); // seen as end of file by readers
  }

  #take(chunk: Buffer): void {
    let data = this.#buffered.length === 0 ? chunk : Buffer.concat([this.#buffered, chunk]);
    let got = false;
    while (data.length >= HEADER) {
      const size = data.readUInt32LE(0);
      if (data.length < HEADER + size) break;
      this.#frames.push(Buffer.from(data.subarray(HEADER, HEADER + size)));
      data = data.subarray(HEADER + size);
      got = true;
    }
    this.#buffered = data;
    if (got) this.readers.serve();
  }

  get readable(): boolean {
    return this.#frames.length > 0 || this.ended;
  }

  take(maxlength: number | null): Buffer {
    const frame = this.#frames.shift();
    if (frame === undefined) throw endOfFile(this.#buffered.length > 0);
    if (maxlength !== null && frame.length > maxlength) throw messageTooLong(frame.length, maxlength);
    return frame;
  }

  write(bytes: Uint8Array): void {
    const head = Buffer.allocUnsafe(HEADER);
    head.writeUInt32LE(bytes.byteLength, 0);
    this.socket.write(Buffer.concat([head, bytes]));
  }
}

interface OpenListener {
  server: net.Server;
  address: string;
  directory: string | null;
  incoming: net.Socket[];
  acceptors: Waiters;
  closed: boolean;
}

const listeners = new Map<number, OpenListener>();
const sockets = new Map<number, FramedSocket>();
let nextId = 1;

function listenerOf(id: number): OpenListener {
  const listener = listeners.get(id);
  if (listener === undefined) throw listenerClosed(`#${id}`);
  return listener;
}

function socketOf(id: number): FramedSocket {
  const socket = sockets.get(id);
  if (socket === undefined) throw endOfFile(false);
  return socket;
}

function adopt(socket: net.Socket): number {
  const id = nextId++;
  sockets.set(id, new FramedSocket(socket));
  return id;
}

/** Resolves through `attempt` once it succeeds, or rejects on `limit` / cancel. */
function parked<T>(
  ctx: CallContext,
  waiters: Waiters,
  limit: Timeout,
  attempt: () => T | undefined,
  timedOut: () => T,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    waiters.park(
      () => {
        let value: T | undefined;
        try {
          value = attempt();
        } catch (err) {
          reject(err);
          return true;
        }
        if (value === undefined) return false;
        resolve(value);
        return true;
      },
      limit,
      ctx.signal,
      () => resolve(timedOut()),
      () => reject(cancelled()),
    );
  });
}

function closeListener(listener: OpenListener): void {
  if (listener.closed) return;
  listener.closed = true;
  listener.server.close();
  for (const socket of listener.incoming.splice(0)) socket.destroy();
  listener.acceptors.serve(); // pending accepts see the close
  if (listener.directory !== null) fs.rmSync(listener.directory, { recursive: true, force: true });
}

defineService('socket', {
  listen: (_ctx, address: string | null, backlog: number) => {
    const where =
      address === null ? freshListenerAddress() : { address: checkedListenerAddress(address), directory: null };
    const server = net.createServer();
    const listener: OpenListener = {
      server,
      ...where,
      incoming: [],
      acceptors: new Waiters(),
      closed: false,
    };
    server.on('connection', (socket) => {
      listener.incoming.push(socket);
      listener.acceptors.serve();
    });
    return new Promise((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => {
        if (where.directory !== null) fs.rmSync(where.directory, { recursive: true, force: true });
        // bind(2) is the call that found the address taken (Node names its listen step), as under posix.
        if (err.code === 'EADDRINUSE') err.syscall = 'bind';
        err.message = `${err.message} '${where.address}'`;
        reject(err);
      });
      server.listen({ path: where.address, backlog }, () => {
        server.removeAllListeners('error');
        server.on('error', () => {});
        const id = nextId++;
        listeners.set(id, listener);
        resolve([id, where.address]);
      });
    });
  },

  accept: (ctx, id: number) => {
    const listener = listenerOf(id);
    return parked(
      ctx,
      listener.acceptors,
      null,
      () => {
        if (listener.closed) throw listenerClosedWhileAccepting();
        const socket = listener.incoming.shift();
        return socket === undefined ? undefined : adopt(socket);
      },
      () => 0,
    );
  },

  closeListener: (_ctx, id: number) => {
    const listener = listeners.get(id);
    if (listener === undefined) return null;
    listeners.delete(id);
    closeListener(listener);
    return null;
  },

  connect: (_ctx, address: string) =>
    new Promise((resolve, reject) => {
      const socket = net.connect(checkedListenerAddress(address));
      socket.once('connect', () => {
        socket.removeAllListeners('error');
        resolve(adopt(socket));
      });
      socket.once('error', (err) => {
        err.message = `${err.message} '${address}'`;
        reject(err);
      });
    }),

  send: (_ctx, id: number, bytes: Uint8Array) => {
    sockets.get(id)?.write(bytes);
  },

  recv: (ctx, id: number, maxlength: number | null) => {
    const socket = socketOf(id);
    if (socket.readable) return socket.take(maxlength);
    return parked(
      ctx,
      socket.readers,
      null,
      () => (socket.readable ? socket.take(maxlength) : undefined),
      () => Buffer.alloc(0),
    );
  },

  wait: (ctx, ids: number[], limit: Timeout) => {
    const targets = ids.map(socketOf);
    const ready = (): number[] => targets.flatMap((s, i) => (s.readable ? [i] : []));
    const now = ready();
    if (now.length > 0 || limit === 0 || targets.length === 0) return now;
    const done = new AbortController();
    ctx.signal.addEventListener('abort', () => done.abort(), { once: true });
    return Promise.race(
      targets.map((socket) =>
        parked(
          { ...ctx, signal: done.signal },
          socket.readers,
          limit,
          () => (socket.readable ? ready() : undefined),
          () => [],
        ),
      ),
    ).finally(() => done.abort());
  },

  release: (_ctx, id: number) => {
    const socket = sockets.get(id);
    if (socket === undefined) return;
    sockets.delete(id);
    socket.socket.end();
    socket.ended = true;
    socket.readers.serve();
  },
});
