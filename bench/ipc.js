// One producer process -> one consumer process: 64-byte Buffers, small objects
// and 1 MiB Buffers through Queue and Pipe, against Node's child_process IPC
// (json and advanced), worker_threads postMessage and, when python3 is
// present, Python's multiprocessing Queue and Pipe; plus ping-pong round trips.
// Prints medians of 3 runs and ratios. Run: node --single-threaded bench/ipc.js
// (QUICK=1 for fewer messages; PAYLOADS='1 MiB Buffer,small object' to pick
// payloads; OURS_ONLY=1 to skip the baselines). Not a test: nothing here is asserted.
'use strict';
const path = require('node:path');
const { execFileSync, fork: cpFork } = require('node:child_process');
const { Worker } = require('node:worker_threads');
const { Queue, Pipe, posix } = require('..');
const { waitForExit } = require('../dist/wait/child_watch');

const QUICK = process.env.QUICK === '1';
const RUNS = 3;
const SMALL_N = QUICK ? 50000 : 200000;
const BIG_N = QUICK ? 500 : 2000;
const PING_N = QUICK ? 5000 : 20000;

const allPayloads = {
  '64 B Buffer': { make: () => Buffer.alloc(64, 7), n: SMALL_N, bytes: 64 },
  'small object': { make: () => ({ id: 42, name: 'widget', tags: ['a', 'b'], price: 9.99, ok: true }), n: SMALL_N },
  '1 MiB Buffer': { make: () => Buffer.alloc(1 << 20, 7), n: BIG_N, bytes: 1 << 20 },
};

const picked = process.env.PAYLOADS ? process.env.PAYLOADS.split(',') : Object.keys(allPayloads);
const payloads = Object.fromEntries(Object.entries(allPayloads).filter(([name]) => picked.includes(name)));
const OURS_ONLY = process.env.OURS_ONLY === '1';

const { saveResults } = require('./results');

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

// ---- ours: a forked consumer; it reports the elapsed time through a Pipe ----

// Runs both ends in this process for a while before forking, so the child
// inherits compiled code for its side too: the figures are for a warmed-up,
// long-running process (the first runs of a cold one were up to 40% slower).
// Large payloads warm up with 1 KiB items (a pipe could not hold them here).
async function warmUp(makeChannel, payload) {
  const { send, receive, close, awaited } = makeChannel();
  const item = payload.bytes >= 1 << 20 ? Buffer.alloc(1024, 7) : payload.make();
  for (let i = 0; i < 20000; i++) {
    if (awaited) {
      await send(item);
      await receive();
    } else {
      send(item);
      receive();
    }
  }
  close();
}

async function forkedRun(makeChannel, payload) {
  const { send, receive, close, awaited } = makeChannel();
  const [report, reporter] = Pipe();
  const item = payload.make();
  const pid = posix.fork();
  if (pid === 0) {
    const consume = awaited
      ? async () => {
          for (let i = 0; i < payload.n; i++) await receive();
        }
      : async () => {
          for (let i = 0; i < payload.n; i++) receive();
        };
    consume().then(() => {
      reporter.sendSync(process.hrtime.bigint());
      posix.exit(0);
    });
    return new Promise(() => {}); // the child never returns into main()
  }
  const start = process.hrtime.bigint();
  if (awaited) for (let i = 0; i < payload.n; i++) await send(item);
  else for (let i = 0; i < payload.n; i++) send(item);
  const end = await report.recv();
  await waitForExit(pid);
  report.close();
  reporter.close();
  close();
  return Number(end - start) / 1e9;
}

const channels = {
  Queue: () => () => {
    const q = new Queue();
    return { send: (x) => q.putSync(x), receive: () => q.getSync(), close: () => q.close() };
  },
  // The async forms (await put / await get) on both sides.
  'Queue async': () => () => {
    const q = new Queue();
    return { send: (x) => q.put(x), receive: () => q.get(), close: () => q.close(), awaited: true };
  },
  Pipe: (kind) => pipeChannel(kind, false),
  'Pipe duplex': (kind) => pipeChannel(kind, true),
};

// Pipe(false) is a pipe(2) (as in Python); Pipe() a socketpair.
function pipeChannel(kind, duplex) {
  return () => {
    const [a, b] = Pipe(duplex);
    const bytes = kind !== 'small object';
    return {
      send: bytes ? (x) => b.sendBytesSync(x) : (x) => b.sendSync(x),
      receive: bytes ? () => a.recvBytesSync() : () => a.recvSync(),
      close: () => {
        a.close();
        b.close();
      },
    };
  };
}

// 'Pipe await': this side awaits sendBytes/recvBytes (the child answers with the Sync forms).
async function pingPong(kind) {
  let pingSend;
  let pingRecv;
  let pongSend;
  let pongRecv;
  let cleanup;
  if (kind === 'Pipe' || kind === 'Pipe await') {
    const [a, b] = Pipe();
    const awaited = kind === 'Pipe await';
    pingSend = awaited ? (x) => a.sendBytes(x) : (x) => a.sendBytesSync(x);
    pongRecv = awaited ? () => a.recvBytes() : () => a.recvBytesSync();
    pingRecv = () => b.recvBytesSync();
    pongSend = (x) => b.sendBytesSync(x);
    cleanup = () => {
      a.close();
      b.close();
    };
  } else {
    const there = new Queue();
    const back = new Queue();
    pingSend = (x) => there.putSync(x);
    pingRecv = () => there.getSync();
    pongSend = (x) => back.putSync(x);
    pongRecv = () => back.getSync();
    cleanup = () => {};
  }
  const msg = Buffer.alloc(64);
  const pid = posix.fork();
  if (pid === 0) {
    for (let i = 0; i < PING_N + 100; i++) pongSend(pingRecv());
    posix.exit(0);
  }
  for (let i = 0; i < 100; i++) {
    await pingSend(msg);
    await pongRecv();
  } // warm up
  const start = process.hrtime.bigint();
  for (let i = 0; i < PING_N; i++) {
    await pingSend(msg);
    await pongRecv();
  }
  const us = Number(process.hrtime.bigint() - start) / 1e3 / PING_N;
  await waitForExit(pid);
  cleanup();
  return us;
}

// ---- Node baselines: a child_process / worker that counts, then answers ----

function cpRun(serialization, payload) {
  return new Promise((resolve, reject) => {
    const child = cpFork(path.join(__dirname, 'ipc_node_child.js'), [String(payload.n)], {
      serialization,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const item = payload.make();
    child.once('error', reject);
    child.once('message', () => {
      const start = process.hrtime.bigint();
      child.once('message', () => {
        resolve(Number(process.hrtime.bigint() - start) / 1e9);
        child.kill();
      });
      for (let i = 0; i < payload.n; i++) child.send(item);
    });
  });
}

function workerRun(payload) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(path.join(__dirname, 'ipc_node_child.js'), { argv: [String(payload.n)] });
    const item = payload.make();
    worker.once('error', reject);
    worker.once('message', () => {
      const start = process.hrtime.bigint();
      worker.once('message', () => {
        resolve(Number(process.hrtime.bigint() - start) / 1e9);
        worker.terminate();
      });
      for (let i = 0; i < payload.n; i++) worker.postMessage(item);
    });
  });
}

function pythonResults() {
  try {
    const out = execFileSync(
      'python3',
      [path.join(__dirname, 'ipc_python.py'), String(SMALL_N), String(BIG_N), String(PING_N)],
      { encoding: 'utf8', timeout: 300000 },
    );
    return JSON.parse(out);
  } catch (err) {
    console.error(`python3 baseline skipped: ${err.message.split('\n')[0]}`);
    return null;
  }
}

function rate(payload, seconds) {
  return payload.bytes >= 1 << 20
    ? `${((payload.n * payload.bytes) / seconds / 1e9).toFixed(2)} GB/s`
    : `${Math.round(payload.n / seconds / 1000)}K msg/s`;
}

async function main() {
  const rows = [];
  const seconds = {}; // [payload][system] -> median seconds
  const record = (name, system, s) => {
    (seconds[name] ??= {})[system] = s;
  };

  // Forks first, while this process has no threads beyond the main one.
  for (const [name, payload] of Object.entries(payloads)) {
    for (const system of Object.keys(channels)) {
      const times = [];
      await warmUp(channels[system](name), payload);
      for (let r = 0; r < RUNS; r++) times.push(await forkedRun(channels[system](name), payload));
      record(name, system, median(times));
    }
  }
  const ping = {};
  for (const kind of ['Pipe', 'Pipe await', 'Queue']) {
    const times = [];
    for (let r = 0; r < RUNS; r++) times.push(await pingPong(kind));
    ping[kind] = median(times);
  }

  for (const [name, payload] of Object.entries(OURS_ONLY ? {} : payloads)) {
    for (const serialization of ['json', 'advanced']) {
      if (name === '1 MiB Buffer' && serialization === 'json') continue; // a JSON array of 1M numbers: not a real option
      const times = [];
      for (let r = 0; r < RUNS; r++) times.push(await cpRun(serialization, payload));
      record(name, `child_process ${serialization}`, median(times));
    }
    const times = [];
    for (let r = 0; r < RUNS; r++) times.push(await workerRun(payload));
    record(name, 'worker_threads', median(times));
  }

  const py = OURS_ONLY ? null : pythonResults();
  if (py) {
    for (const name of Object.keys(payloads)) {
      record(name, 'Python mp.Queue', py.queue[name]);
      record(name, 'Python mp.Pipe', py.pipe[name]);
    }
  }

  for (const [name, payload] of Object.entries(payloads)) {
    const ours = seconds[name];
    for (const [system, s] of Object.entries(ours)) {
      const row = { payload: name, system, rate: rate(payload, s) };
      if (system in channels) {
        if (ours['Python mp.Queue']) row['x mp.Queue'] = (ours['Python mp.Queue'] / s).toFixed(1);
        if (ours['child_process json']) row['x cp json'] = (ours['child_process json'] / s).toFixed(1);
        if (ours['child_process advanced']) row['x cp advanced'] = (ours['child_process advanced'] / s).toFixed(1);
      }
      rows.push(row);
    }
  }
  console.table(rows);
  const pingRows = [
    { 'round trip (64 B)': 'Pipe (Sync forms)', 'us (median)': ping.Pipe.toFixed(1), goal: '<= 10' },
    { 'round trip (64 B)': 'Pipe (await)', 'us (median)': ping['Pipe await'].toFixed(1), goal: '<= 25' },
    { 'round trip (64 B)': 'Queue', 'us (median)': ping.Queue.toFixed(1) },
  ];
  if (py) {
    pingRows.push({ 'round trip (64 B)': 'Python mp.Pipe', 'us (median)': py.ping.pipe.toFixed(1) });
    pingRows.push({ 'round trip (64 B)': 'Python mp.Queue', 'us (median)': py.ping.queue.toFixed(1) });
  }
  console.table(pingRows);
  saveResults('ipc', chartFigures(seconds, ping, py));
}

/** The figures for the chart: throughput per payload (ours as the channel names say) and the round trips. */
function chartFigures(seconds, ping, py) {
  const figures = [];
  const systemName = (system) => (system in channels ? `posix-multiprocessing ${system}` : system);
  for (const [name, payload] of Object.entries(payloads)) {
    const large = payload.bytes >= 1 << 20;
    for (const [system, s] of Object.entries(seconds[name] ?? {})) {
      figures.push({
        metric: `${name}, one way`,
        system: systemName(system),
        better: 'higher',
        value: large ? (payload.n * payload.bytes) / s / 1e9 : payload.n / s,
        unit: large ? 'GB/s' : 'msg/s',
      });
    }
  }
  const trip = (system, us) => ({ metric: 'round trip, 64 B', system, value: us, unit: 'us', better: 'lower' });
  figures.push(
    trip('posix-multiprocessing Pipe', ping.Pipe),
    trip('posix-multiprocessing Pipe await', ping['Pipe await']),
    trip('posix-multiprocessing Queue', ping.Queue),
  );
  if (py) figures.push(trip('Python mp.Pipe', py.ping.pipe), trip('Python mp.Queue', py.ping.queue));
  return figures;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
