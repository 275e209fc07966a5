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

/** A process that has not answered the challenge within this long is dropped. */
const HANDSHAKE_MS = 5000;

const clients = new Set<ClientInfo>();
let nextClientId = 1;

export function connectedClients(): ClientInfo[] {
  return [...clients];
}

function reply(socket: Socket, id: number, ok: boolean, value: unknown): void {
  if (socket.destroyed) return;
  let payload: Buffer;
  try {
    payload = dumpFrame(value, channels.broker).bytes;
  } catch (err) {
    ok = false;
    payload = dumpFrame(err, channels.broker).bytes;
  }
  socket.write(frame(id, ok ? FrameKind.ReplyOk : FrameKind.ReplyError, payload));
}

function serveClient(socket: Socket, client: ClientInfo, onGone: () => void): void {
  const running = new Map<number, CallScope>();
  readFrames(socket, (id, kind, payload) => {
    if (kind === FrameKind.Cancel) {
      running.get(id)?.abort();
      return;
    }
    const oneWay = kind === FrameKind.Send;
    const scope = new CallScope(client);
    let result: unknown;
    try {
      const [op, args] = loadFrame(payload) as [string, unknown[]];
      result = brokerServices.invoke(op, scope, args);
    } catch (err) {
      if (oneWay)
        process.emitWarning(`posix-multiprocessing broker: a one-way call from ${client.pid} failed: ${String(err)}`);
      else reply(socket, id, false, err);
      return;
    }
    if (!(result instanceof Promise)) {
      if (!oneWay) reply(socket, id, true, result);
      return;
    }
    running.set(id, scope);
    result.then(
      (value) => {
        running.delete(id);
        if (!oneWay) reply(socket, id, true, value);
      },
      (err) => {
        running.delete(id);
        if (!oneWay) reply(socket, id, false, err);
      },
    );
  });
  socket.on('close', () => {
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
