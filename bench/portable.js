// The portable backend against the posix backend and Python, in one run:
// uncontended Lock acquireSync()+release(); the wake-up of an Event set in one
// process and awaited with waitSync() in another; 64 B items through a Queue
// from this process to a consumer process, sync (putSync/getSync) and async
// (await put(), and gets awaited one at a time or 64 in flight). Consumers
// and waiters are children started with spawn, which both backends have. The
// portable figures come from a copy of this script run with
// PMP_BACKEND=portable. Budgets under portable: acquire+release <= 150 us,
// wake-up <= 250 us, Queue >= 15K msg/s sync and >= 80K msg/s async pipelined.
// Not a test. Run: node --single-threaded bench/portable.js   (QUICK=1 for fewer iterations)
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { Lock, Event, Queue, Value, getContext, isMainProcess, backend } = require('..');
const { saveResults } = require('./results');
const { median, table } = require('./stats');

const QUICK = process.env.QUICK === '1';
const ROUNDS = 5;
const now = () => Number(process.hrtime.bigint()); // CLOCK_MONOTONIC: comparable across processes

function lockRoundTrip(n) {
  const lock = new Lock();
  const times = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = now();
    for (let i = 0; i < n; i++) {
      lock.acquireSync();
      lock.release();
    }
    times.push((now() - start) / n);
  }
  return median(times);
}

/** The spawned side of the wake-up: waits for `ping`, notes how long the wake took, answers with `pong`. */
function wakeWaiter(ping, pong, setAt, result, n) {
  const wakes = [];
  for (let i = 0; i < n; i++) {
    ping.waitSync();
    wakes.push(now() - setAt.value);
    ping.clear();
    pong.set();
  }
  result.value = median(wakes);
}

async function eventWake(n) {
  const [ping, pong] = [new Event(), new Event()];
  const setAt = Value('d', 0, { lock: false });
  const result = Value('d', 0, { lock: false });
  const child = new (getContext('spawn').Process)({ target: wakeWaiter, args: [ping, pong, setAt, result, n] });
  child.start();
  for (let i = 0; i < n; i++) {
    setAt.value = now();
    ping.set();
    if (!pong.waitSync(10000)) throw new Error(`child ${child.pid} did not answer ping ${i} within 10 s`);
    pong.clear();
  }
  await child.join(10000);
  if (child.exitcode !== 0) throw new Error(`child ${child.pid} ended with ${child.exitcode}`);
  return result.value;
}

const QUEUE_WINDOW = 64;

/** The consuming side: takes n items in the way `how` names, notes when the last arrived. */
async function queueConsumer(q, how, n, ready, endAt) {
  ready.set();
  if (how === 'sync') {
    for (let i = 0; i < n; i++) q.getSync();
  } else if (how === 'async') {
    for (let i = 0; i < n; i++) await q.get();
  } else {
    for (let i = 0; i < n; i += QUEUE_WINDOW) {
      const gets = [];
      for (let j = i; j < Math.min(n, i + QUEUE_WINDOW); j++) gets.push(q.get());
      await Promise.all(gets);
    }
  }
  endAt.value = now();
}

/** Messages per second, 64 B items from this process to a spawned consumer (median of ROUNDS). */
async function queueRate(how, n) {
  const rates = [];
  const item = Buffer.alloc(64, 7);
  for (let r = 0; r < ROUNDS; r++) {
    const q = new Queue();
    const ready = new Event();
    const endAt = Value('d', 0, { lock: false });
    const child = new (getContext('spawn').Process)({ target: queueConsumer, args: [q, how, n, ready, endAt] });
    child.start();
    if (!ready.waitSync(30000)) throw new Error(`consumer ${child.pid} did not start within 30 s`);
    const start = now();
    if (how === 'sync') for (let i = 0; i < n; i++) q.putSync(item);
    else for (let i = 0; i < n; i++) await q.put(item);
    await child.join(60000);
    if (child.exitcode !== 0) throw new Error(`consumer ${child.pid} ended with ${child.exitcode}`);
    rates.push(n / ((endAt.value - start) / 1e9));
    q.close();
  }
  return median(rates);
}

async function measure() {
  const portable = backend() === 'portable';
  const lockN = portable ? (QUICK ? 2000 : 20000) : QUICK ? 200000 : 1000000;
  const wakes = QUICK ? 300 : 2000;
  const items = portable ? (QUICK ? 5000 : 30000) : QUICK ? 50000 : 300000;
  return {
    lock: lockRoundTrip(lockN),
    wake: await eventWake(wakes),
    queueSync: await queueRate('sync', items),
    queueAsync: await queueRate('async', items),
    queuePipelined: await queueRate('pipelined', items),
  };
}

/** Python's mp.Queue rate (msg/s) and a pipe round trip between two processes (us), or null without python3. */
function pythonBaselines() {
  const n = QUICK ? 20000 : 100000;
  try {
    const out = execFileSync('python3', [path.join(__dirname, 'portable_python.py'), String(n), String(ROUNDS)], {
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 5 * 60000, // a stuck baseline fails the run loudly instead of hanging it
      killSignal: 'SIGKILL',
    });
    return JSON.parse(out);
  } catch (err) {
    console.error(`python3 baseline skipped: ${err.message.split('\n')[0]}`);
    return null;
  }
}

async function main() {
  if (process.env.PMP_PORTABLE_SYNC_BENCH === 'child') {
    process.stdout.write(JSON.stringify(await measure()));
    return;
  }
  const posix = await measure();
  const portable = JSON.parse(
    execFileSync(process.execPath, ['--single-threaded', __filename], {
      env: { ...process.env, PMP_BACKEND: 'portable', PMP_PORTABLE_SYNC_BENCH: 'child' },
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: 20 * 60000,
      killSignal: 'SIGKILL',
    }),
  );
  const baselines = pythonBaselines();
  const python = baselines?.queue ?? null;
  const us = (ns) => `${(ns / 1000).toFixed(1)} us`;
  const rows = [
    ['Lock acquireSync() + release(), uncontended', posix.lock, portable.lock, 150000],
    ['Event wake-up, other process sets, waitSync()', posix.wake, portable.wake, 250000],
  ].map(([what, a, b, budget]) => [what, us(a), us(b), `${(b / a).toFixed(0)}x`, us(budget)]);
  console.log(table(['median per operation', 'posix', 'portable', 'portable / posix', 'portable budget'], rows));
  if (baselines)
    console.log(
      `The floor under any call to the broker here: a 64 B round trip between two processes through ` +
        `two pipes (Python os.pipe) takes ${baselines.pipe_round_trip_us.toFixed(1)} us; Lock is two calls, a wake-up one hop.`,
    );
  const k = (rate) => `${(rate / 1000).toFixed(1)}K`;
  const queueRows = [
    ['putSync() / getSync()', posix.queueSync, portable.queueSync, 15000],
    ['await put() / await get(), one at a time', posix.queueAsync, portable.queueAsync, null],
    [
      `await put() / ${QUEUE_WINDOW} get()s in flight (pipelined)`,
      posix.queuePipelined,
      portable.queuePipelined,
      80000,
    ],
  ].map(([what, a, b, budget]) => [
    what,
    k(a),
    k(b),
    python ? `${(b / python).toFixed(2)}x` : '-',
    budget ? `>= ${k(budget)}` : '-',
  ]);
  console.log();
  console.log(
    `Queue, 64 B from this process to a spawned consumer, msg/s (Python mp.Queue: ${python ? k(python) : '-'})`,
  );
  console.log(table(['Queue 64 B', 'posix', 'portable', 'portable / Python', 'portable budget'], queueRows));
  const figure = (metric, system, value, unit, better) => ({ metric, system, value, unit, better });
  saveResults('portable', [
    figure('Lock acquire+release (us)', 'posix-multiprocessing', posix.lock / 1000, 'us', 'lower'),
    figure('Lock acquire+release (us)', 'posix-multiprocessing (portable)', portable.lock / 1000, 'us', 'lower'),
    figure('Event wake-up (us)', 'posix-multiprocessing', posix.wake / 1000, 'us', 'lower'),
    figure('Event wake-up (us)', 'posix-multiprocessing (portable)', portable.wake / 1000, 'us', 'lower'),
    figure('Queue 64 B sync (msg/s)', 'posix-multiprocessing', posix.queueSync, 'msg/s', 'higher'),
    figure('Queue 64 B sync (msg/s)', 'posix-multiprocessing (portable)', portable.queueSync, 'msg/s', 'higher'),
    figure('Queue 64 B pipelined (msg/s)', 'posix-multiprocessing', posix.queuePipelined, 'msg/s', 'higher'),
    figure(
      'Queue 64 B pipelined (msg/s)',
      'posix-multiprocessing (portable)',
      portable.queuePipelined,
      'msg/s',
      'higher',
    ),
    figure('Queue 64 B sync (msg/s)', 'Python mp.Queue', python, 'msg/s', 'higher'),
    figure('Pipe round trip (us)', 'Python os.pipe', baselines?.pipe_round_trip_us ?? null, 'us', 'lower'),
  ]);
}

module.exports = { wakeWaiter, queueConsumer }; // before main(): the spawned child imports it from here

if (isMainProcess()) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
