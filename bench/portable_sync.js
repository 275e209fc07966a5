// The portable backend's Lock and Event against the posix backend's, in one
// run: uncontended Lock acquireSync()+release(), and the wake-up of an Event
// set in one process and awaited with waitSync() in another (a child started
// with the spawn start method, which both backends have). The portable figures
// come from a copy of this script run with PMP_BACKEND=portable. Budgets under
// portable: acquire+release <= 150 us, wake-up <= 250 us. Not a test.
// Run: node --single-threaded bench/portable_sync.js   (QUICK=1 for fewer iterations)
'use strict';
const { execFileSync } = require('node:child_process');
const { Lock, Event, Value, getContext, isMainProcess, backend } = require('..');
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

async function measure() {
  const portable = backend() === 'portable';
  const lockN = portable ? (QUICK ? 2000 : 20000) : QUICK ? 200000 : 1000000;
  const wakes = QUICK ? 300 : 2000;
  return { lock: lockRoundTrip(lockN), wake: await eventWake(wakes) };
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
    }),
  );
  const us = (ns) => `${(ns / 1000).toFixed(1)} us`;
  const rows = [
    ['Lock acquireSync() + release(), uncontended', posix.lock, portable.lock, 150000],
    ['Event wake-up, other process sets, waitSync()', posix.wake, portable.wake, 250000],
  ].map(([what, a, b, budget]) => [what, us(a), us(b), `${(b / a).toFixed(0)}x`, us(budget)]);
  console.log(table(['median per operation', 'posix', 'portable', 'portable / posix', 'portable budget'], rows));
}

module.exports = { wakeWaiter }; // before main(): the spawned child imports it from here

if (isMainProcess()) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
