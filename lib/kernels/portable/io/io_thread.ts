// A process's I/O thread (the pattern of synckit and esbuild): it owns the
// connection to the broker and serves the process's local services, so that
// the ...Sync forms can block their own thread in Atomics.wait while this
// thread does the talking. Replies from the broker are routed by their
// header and relayed undecoded.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { workerData } from 'node:worker_threads';
import { CodedError } from '../../../errors';
import { channels, dumpFrame, loadFrame } from '../../../reduction';
import { answerChallenge, brokerAddressEnv } from '../broker_address';
import { frame, readFrames, FrameKind, HEADER } from '../wire';
import { localServices } from './local_services';
import { CallScope } from '../service_registry';
import {
  BatchWriter,
  EntryFlag,
  FLAG_ANSWERED,
  FLAG_DEAD,
  forEachEntry,
  type IoBatch,
  type IoReply,
  type IoThreadData,
  ownBuffer,
} from './io_messages';
import './local_service_list';

/** How long a child keeps trying to reach a broker its parent has just started. */
const CONNECT_PATIENCE_MS = 10000;
const CONNECT_RETRY_MS = 20;

const { port, syncPort, directPort, flag, address, key: keyHex, brokerEntry } = workerData as IoThreadData;
const key = Buffer.from(keyHex, 'hex');
const flagWord = new Int32Array(flag);
const self = { id: 0, pid: process.pid };

const syncIds = new Set<number>();
const localCalls = new Map<number, CallScope>();
const brokerCalls = new Set<number>();
let socket: net.Socket | null = null;
let queued: Uint8Array[] | null = [];
let brokerError: Error | null = null;

// Replies for the event loop of the calling thread travel together, one message per job here.
const replies = new BatchWriter();
const postReplies = (): void => port.postMessage(replies.take());

/** Answers call `id` with `bytes`, which must not change until the end of this job. */
function answer(id: number, ok: boolean, bytes: Uint8Array): void {
  if (syncIds.delete(id)) {
    syncPort.postMessage({ id, ok, bytes: ownBuffer(bytes) } satisfies IoReply);
    Atomics.store(flagWord, 0, FLAG_ANSWERED);
    Atomics.notify(flagWord, 0);
  } else {
    if (replies.size === 0) queueMicrotask(postReplies);
    replies.add(id, ok ? EntryFlag.Ok : 0, bytes);
  }
}

function answerValue(id: number, ok: boolean, value: unknown): void {
  let bytes: Uint8Array;
  try {
    bytes = dumpFrame(value, channels.broker).bytes;
  } catch (err) {
    ok = false;
    bytes = dumpFrame(err, channels.broker).bytes;
  }
  answer(id, ok, bytes);
}

function serveLocally(id: number, oneWay: boolean, framed: Uint8Array): void {
  const scope = new CallScope(self);
  let result: unknown;
  try {
    const [op, args] = loadFrame(framed.subarray(HEADER)) as [string, unknown[]];
    result = localServices.invoke(op, scope, args);
  } catch (err) {
    if (!oneWay) answerValue(id, false, err);
    return;
  }
  if (oneWay) return;
  if (!(result instanceof Promise)) {
    answerValue(id, true, result);
    return;
  }
  localCalls.set(id, scope);
  result
    .then(
      (value) => answerValue(id, true, value),
      (err) => answerValue(id, false, err),
    )
    .finally(() => localCalls.delete(id));
}

function toBroker(bytes: Uint8Array): void {
  if (queued) queued.push(bytes);
  else socket!.write(bytes);
}

function failBrokerCalls(err: Error): void {
  brokerError = err;
  for (const id of brokerCalls) answerValue(id, false, err);
  brokerCalls.clear();
}

// The port's messages arrive together in one turn of this loop (a putSync
// loop posts thousands): they leave in one write when the turn's I/O is done.
let corked: net.Socket | null = null;
const uncork = (): void => {
  corked?.uncork();
  corked = null;
};

port.on('message', (batch: IoBatch) => {
  if (socket && !corked) {
    corked = socket;
    corked.cork();
    setImmediate(uncork);
  }
  forEachEntry(batch, handle);
});

function handle(id: number, flags: number, framed: Uint8Array): void {
  if (flags & EntryFlag.Cancel) {
    const local = localCalls.get(id);
    if (local) local.abort();
    else if (brokerCalls.has(id)) toBroker(frame(id, FrameKind.Cancel, Buffer.alloc(0)));
    return;
  }
  const oneWay = (flags & EntryFlag.OneWay) !== 0;
  if (flags & EntryFlag.Sync) syncIds.add(id);
  if (flags & EntryFlag.Local) {
    serveLocally(id, oneWay, framed);
    return;
  }
  if (brokerError) {
    if (!oneWay) answerValue(id, false, brokerError);
    return;
  }
  if (!oneWay) brokerCalls.add(id);
  reachBroker();
  toBroker(framed);
}

function brokerGone(why: string): CodedError {
  return new CodedError(
    'ERR_BROKER_GONE',
    `the portable backend's broker process is gone (${why}): objects shared between processes ` +
      'are no longer reachable from this process',
  );
}

function onConnected(connection: net.Socket): void {
  socket = connection;
  connection.setNoDelay(true);
  let stage: 'challenge' | 'ack' | 'serving' = 'challenge';
  readFrames(connection, (id, kind, payload) => {
    if (stage === 'challenge') {
      const answerBytes = Buffer.alloc(36);
      answerBytes.writeUInt32LE(process.pid, 0);
      answerChallenge(key, payload).copy(answerBytes, 4);
      connection.write(answerBytes);
      stage = 'ack';
      return;
    }
    if (stage === 'ack') {
      stage = 'serving';
      for (const bytes of queued!) connection.write(bytes);
      queued = null;
      return;
    }
    if (kind === FrameKind.DirectChannel) {
      directPort.postMessage(JSON.parse(payload.toString()));
      return;
    }
    if (!brokerCalls.delete(id)) return;
    answer(id, kind === FrameKind.ReplyOk, payload);
  });
  connection.on('error', () => {});
  connection.on('close', () => {
    queued = null;
    failBrokerCalls(brokerGone(stage === 'serving' ? 'its connection closed' : 'it refused this process'));
  });
  connection.unref();
}

function connect(deadline: number): void {
  const connection = net.connect(address);
  connection.once('connect', () => {
    connection.removeAllListeners('error');
    onConnected(connection);
  });
  connection.once('error', (err: NodeJS.ErrnoException) => {
    const retry = (err.code === 'ENOENT' || err.code === 'ECONNREFUSED') && Date.now() < deadline;
    if (retry) setTimeout(() => connect(deadline), CONNECT_RETRY_MS).unref();
    else failBrokerCalls(brokerGone(`connecting to ${address} failed: ${err.message}`));
  });
}

function startBroker(entry: string): void {
  const broker = spawn(process.execPath, [entry], {
    detached: true,
    windowsHide: true,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...brokerAddressEnv({ address, directory: null, key }) },
  });
  let said = '';
  broker.stdout!.on('data', (chunk: Buffer) => {
    said += chunk.toString();
    if (!said.includes('ready\n')) return;
    broker.stdout!.destroy();
    broker.unref();
    connect(Date.now() + CONNECT_PATIENCE_MS);
  });
  broker.once('exit', (code, signal) => {
    if (!said.includes('ready\n')) failBrokerCalls(brokerGone(`it exited at start with ${signal ?? code}`));
  });
  broker.once('error', (err) => failBrokerCalls(brokerGone(`it could not be started: ${err.message}`)));
}

process.on('uncaughtException', (err) => {
  process.stderr.write(`posix-multiprocessing I/O thread: ${err.stack ?? String(err)}\n`);
  Atomics.store(flagWord, 0, FLAG_DEAD);
  Atomics.notify(flagWord, 0);
  process.exit(70);
});

let reaching = false;

/** Starts (in a tree's first process) or joins the broker, on the first call that needs it. */
function reachBroker(): void {
  if (reaching) return;
  reaching = true;
  if (brokerEntry) startBroker(brokerEntry);
  else connect(Date.now() + CONNECT_PATIENCE_MS);
}
