// Locks and events: uncontended acquire+release (sync and async), a Lock
// contended by two processes, and wake-up latency (one process sets an Event,
// another wakes: with waitSync, and with an async wait()), against Python's
// multiprocessing.Lock / Event when python3 is present (bench/sync_python.py),
// in the same run. Goals: uncontended sync acquire+release at most half of
// Python's time; async wake-up under 50 us. Not a test: nothing is asserted.
// Run: node --single-threaded bench/sync.js   (QUICK=1 for fewer iterations)
'use strict';
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { Lock, Event, posix } = require('..');
const { SyncPage } = require('../dist/internal/sync_page');
const { median, table } = require('./stats');
const { saveResults } = require('./results');

const QUICK = process.env.QUICK === '1';
const N = QUICK ? 200000 : 1000000;
const ASYNC_N = QUICK ? 50000 : 200000;
const CONTENDED_N = QUICK ? 50000 : 200000;
const WAKES = QUICK ? 500 : 2000;
const ROUNDS = 5;

const now = () => process.hrtime.bigint(); // CLOCK_MONOTONIC: comparable across processes

function uncontendedSync() {
  const lock = new Lock();
  const times = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = now();
    for (let i = 0; i < N; i++) {
      lock.acquireSync();
      lock.release();
    }
    times.push(Number(now() - start) / N);
  }
  return median(times);
}

async function uncontendedAsync() {
  const lock = new Lock();
  const times = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = now();
    for (let i = 0; i < ASYNC_N; i++) {
      await lock.acquire();
      lock.release();
    }
    times.push(Number(now() - start) / ASYNC_N);
  }
  return median(times);
}

function hammer(lock, n) {
  for (let i = 0; i < n; i++) {
    lock.acquireSync();
    lock.release();
  }
}

function contended() {
  const times = [];
  for (let r = 0; r < 3; r++) {
    const lock = new Lock();
    const start = now();
    const pid = posix.fork();
    if (pid === 0) {
      hammer(lock, CONTENDED_N);
      posix.exit(0);
    }
    hammer(lock, CONTENDED_N);
    const status = posix.waitpid(pid);
    if (status.exitCode !== 0) throw new Error(`contending child ${pid} failed: ${JSON.stringify(status)}`);
    times.push(Number(now() - start) / (2 * CONTENDED_N));
  }
  return median(times);
}

// The child waits for `ping`, stamps the time, sets `pong`; we measure from
// the stamp to the moment our wait for `pong` returns.
async function wakeup(asyncWait) {
  const ping = new Event();
  const pong = new Event();
  const stamp = new BigInt64Array(SyncPage.create().buf.buffer, 0, 1);
  const pid = posix.fork();
  if (pid === 0) {
    for (let i = 0; i < WAKES; i++) {
      ping.waitSync();
      ping.clear();
      Atomics.store(stamp, 0, now());
      pong.set();
    }
    posix.exit(0);
  }
  const samples = [];
  for (let i = 0; i < WAKES; i++) {
    ping.set();
    if (asyncWait) await pong.wait();
    else pong.waitSync();
    samples.push(Number(now() - Atomics.load(stamp, 0)));
    pong.clear();
  }
  posix.waitpid(pid);
  return median(samples);
}

function python() {
  try {
    const out = execFileSync(
      'python3',
      [path.join(__dirname, 'sync_python.py'), String(N), String(CONTENDED_N), String(WAKES)],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 300000 },
    );
    return JSON.parse(out.trim().split('\n').pop());
  } catch (err) {
    console.log(`(python3 not measured: ${err.message.split('\n')[0]})`);
    return null;
  }
}

async function main() {
  const ours = {
    uncontendedSync: uncontendedSync(),
    uncontendedAsync: await uncontendedAsync(),
    contended: contended(),
    wakeupSync: await wakeup(false),
    wakeupAsync: await wakeup(true),
  };
  const py = python();
  const ns = (v) => (v == null ? '-' : v >= 10000 ? `${(v / 1000).toFixed(1)} us` : `${v.toFixed(0)} ns`);
  const ratio = (a, b) => (b == null ? '-' : `${(a / b).toFixed(2)}x`);
  // [label, ours, Python's]: one list for the table and for the chart's figures.
  const operations = [
    ['Lock acquireSync+release, uncontended', ours.uncontendedSync, py?.uncontended_ns],
    ['Lock await acquire()+release, uncontended', ours.uncontendedAsync, py?.uncontended_ns],
    ['Lock acquire+release, 2 processes contending', ours.contended, py?.contended_ns],
    ['Event wake-up, other process sets, waitSync()', ours.wakeupSync, py?.wakeup_ns],
    ['Event wake-up, other process sets, await wait()', ours.wakeupAsync, py?.wakeup_ns],
  ];
  const rows = operations.map(([label, ourValue, pyValue]) => [
    label,
    ns(ourValue),
    ns(pyValue),
    ratio(ourValue, pyValue),
  ]);
  console.log(table(['median per operation', 'posix-multiprocessing', 'Python mp', 'ours / Python'], rows));
  saveResults(
    'sync',
    operations.flatMap(([metric, ourValue, pyValue]) => [
      { metric, system: 'posix-multiprocessing', value: ourValue, unit: 'ns', better: 'lower' },
      { metric, system: 'Python mp', value: pyValue, unit: 'ns', better: 'lower' },
    ]),
  );
  console.log(
    `\ngoals: uncontended sync <= 0.5x Python (${ratio(ours.uncontendedSync, py?.uncontended_ns)}); ` +
      `async wake-up < 50 us (${ns(ours.wakeupAsync)})`,
  );
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
