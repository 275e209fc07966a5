// The broker's connected processes: each authenticated connection is one
// client; its calls run with an AbortController so that a cancel, or the
// process going away, stops whatever the call is waiting for.
import crypto from 'node:crypto';
import type { Socket } from 'node:net';
import { dumpFrame, loadFrame, channels } from '../../../reduction';
import { frame, readFrames, FrameKind } from '../wire';
import { challengeAnswered } from '../broker_address';
import { brokerServices, type ClientInfo } from './services';
import { CallScope } from '../service_registry';
import { openDirectChannel, type ChannelPlace, type DirectChannel } from './direct_channels';
import { TwoWayOrder, Way } from './two_way_order';
import { EncodedReply } from './encoded_reply';

/** A process that has not answered the challenge within this long is dropped. */
const HANDSHAKE_MS = 5000;

const clients = new Set<ClientInfo>();
let nextClientId = 1;

export function connectedClients(): ClientInfo[] {
  return [...clients];
}

function replyFrame(id: number, ok: boolean, value: unknown): Buffer {
  let payload: Uint8Array;
  try {
    payload = value instanceof EncodedReply ? value.frame : dumpFrame(value, channels.broker).bytes;
  } catch (err) {
    ok = false;
    payload = dumpFrame(err, channels.broker).bytes;
  }
  return frame(id, ok ? FrameKind.ReplyOk : FrameKind.ReplyError, payload);
}

// Replies written in one job (64 gets answered from one read, or the getters one
// read's puts served) leave together: one write(2) per client, not one per reply.
const corked = new Set<Socket>();
const uncorkAll = (): void => {
  for (const socket of corked) socket.uncork();
  corked.clear();
};

function reply(socket: Socket, id: number, ok: boolean, value: unknown): void {
  if (socket.destroyed) return;
  if (!corked.has(socket)) {
    if (corked.size === 0) process.nextTick(uncorkAll);
    socket.cork();
    corked.add(socket);
  }
  socket.write(replyFrame(id, ok, value));
}

type Respond = (ok: boolean, value: unknown) => void;

/** Runs one call of `client`; a call that waits is kept in `running` until it answers. */
function dispatch(
  client: ClientInfo,
  running: Map<number, CallScope>,
  id: number,
  payload: Buffer,
  respond: Respond | null,
  cancelled: boolean,
): void {
  const scope = new CallScope(client);
  if (cancelled) scope.abort();
  let result: unknown;
  try {
    const [op, args] = loadFrame(payload) as [string, unknown[]];
    result = brokerServices.invoke(op, scope, args);
  } catch (err) {
    if (respond) respond(false, err);
    else process.emitWarning(`posix-multiprocessing broker: a one-way call from ${client.pid} failed: ${String(err)}`);
    return;
  }
  if (!(result instanceof Promise)) {
    respond?.(true, result);
    return;
  }
  running.set(id, scope);
  result.then(
    (value) => {
      running.delete(id);
      respond?.(true, value);
    },
    (err) => {
      running.delete(id);
      respond?.(false, err);
    },
  );
}

/** Where the direct channels of clients are made; null where none can be. */
let channelPlace: ChannelPlace | null = null;

export function placeDirectChannels(place: ChannelPlace | null): void {
  channelPlace = place;
}

/** The id of the direct channel's call in `running`: the client blocks on it, so there is one at a time. */
const DIRECT_CALL = -1;

function serveClient(socket: Socket, client: ClientInfo, onGone: () => void): void {
  const running = new Map<number, CallScope>();
  const order = new TwoWayOrder();
  let direct: DirectChannel | null = null;
  let gone = false;

  readFrames(socket, (id, kind, payload, after) => {
    if (kind === FrameKind.Cancel) {
      if (!order.cancelWaiting(Way.Socket, id)) running.get(id)?.abort();
      return;
    }
    const respond: Respond | null = kind === FrameKind.Send ? null : (ok, value) => reply(socket, id, ok, value);
    // A frame that waits outlives this callback, and its bytes with it.
    const bytes = order.ready(Way.Socket, after) ? payload : Buffer.from(payload);
    order.arrive(Way.Socket, id, after, (cancelled) => dispatch(client, running, id, bytes, respond, cancelled));
  });
  if (channelPlace !== null) {
    openDirectChannel(
      channelPlace,
      `client-${client.id}`,
      (_id, kind, payload, after) => {
        const respond: Respond | null =
          kind === FrameKind.Send ? null : (ok, value) => direct?.write(replyFrame(0, ok, value));
        const bytes = order.ready(Way.Direct, after) ? payload : Buffer.from(payload);
        order.arrive(Way.Direct, DIRECT_CALL, after, (cancelled) =>
          dispatch(client, running, DIRECT_CALL, bytes, respond, cancelled),
        );
      },
      () => !gone,
      (channel) => {
        direct = channel;
        if (!socket.destroyed)
          socket.write(frame(0, FrameKind.DirectChannel, Buffer.from(JSON.stringify(channel.announcement))));
      },
    );
  }
  socket.on('close', () => {
    gone = true;
    direct?.close();
    direct = null;
    clients.delete(client);
    for (const scope of running.values()) scope.abort();
    running.clear();
    brokerServices.clientGone(client);
    onGone();
  });
}

/**
 * Lets `socket` in once it answers a random challenge with the tree's key
 * (HMAC-SHA256, as multiprocessing's authkey), then serves its calls.
 */
export function admit(socket: Socket, key: Buffer, onJoined: () => void, onGone: () => void): void {
  const challenge = crypto.randomBytes(32);
  const deadline = setTimeout(() => socket.destroy(), HANDSHAKE_MS);
  socket.on('error', () => socket.destroy());
  socket.write(frame(0, FrameKind.Call, challenge));
  let buffered = Buffer.alloc(0);
  const onData = (chunk: Buffer): void => {
    buffered = Buffer.concat([buffered, chunk]);
    // The answer: pid (u32 LE) and the 32-byte HMAC.
    if (buffered.length < 36) return;
    socket.off('data', onData);
    clearTimeout(deadline);
    const pid = buffered.readUInt32LE(0);
    if (!challengeAnswered(key, challenge, buffered.subarray(4, 36))) {
      socket.destroy();
      return;
    }
    const client: ClientInfo = { id: nextClientId++, pid };
    clients.add(client);
    onJoined();
    serveClient(socket, client, onGone);
    socket.write(frame(0, FrameKind.ReplyOk, Buffer.alloc(0)));
    if (buffered.length > 36) socket.emit('data', buffered.subarray(36));
  };
  socket.on('data', onData);
}
