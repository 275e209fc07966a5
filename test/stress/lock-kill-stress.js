// Stress (not part of `npm test`): 4 workers take a Lock in a loop while a
// killer SIGKILLs a random worker every few milliseconds and starts a new one.
// Checks that no two processes are ever inside at once (a false "owner died"
// takeover would show here) and that the lock never wedges.
// Run: node --single-threaded test/stress/lock-kill-stress.js [seconds=10]
'use strict';
const { Lock, posix } = require('../..');
const { SyncPage } = require('../../dist/internal/sync_page');

const SECONDS = Number(process.argv[2] ?? 10);
const lock = new Lock();
const shared = SyncPage.create().words; // [0] inside, [1] violations, [2] entries, [3] takeovers
const nap = new Int32Array(new SharedArrayBuffer(4));

function worker() {
  for (;;) {
    lock.acquireSync();
    if (lock.ownerDied) {
      // The dead owner may have died inside: its count is stale, we are alone now.
      Atomics.add(shared, 3, 1);
      Atomics.store(shared, 0, 0);
    }
    if (Atomics.add(shared, 0, 1) !== 0) Atomics.add(shared, 1, 1);
    Atomics.add(shared, 2, 1);
    for (let i = 0; i < 2000; i++); // a short critical section
    Atomics.sub(shared, 0, 1);
    lock.release();
  }
}

function start() {
  const pid = posix.fork();
  if (pid === 0) worker();
  return pid;
}

const workers = [start(), start(), start(), start()];
const end = Date.now() + SECONDS * 1000;
let kills = 0;
let lastEntries = 0;
let stalledSince = Date.now();
while (Date.now() < end) {
  Atomics.wait(nap, 0, 0, 2 + Math.floor(Math.random() * 20));
  const victim = Math.floor(Math.random() * workers.length);
  posix.kill(workers[victim], 'SIGKILL');
  posix.waitpid(workers[victim]);
  kills++;
  // The lock must stay usable for us too (we may be the one taking it over).
  if (lock.acquireSync({ timeout: 5000 })) {
    if (lock.ownerDied) Atomics.store(shared, 0, 0);
    else if (Atomics.load(shared, 0) !== 0) Atomics.add(shared, 1, 1);
    lock.release();
  } else {
    console.error('lock wedged for 5 s');
    process.exitCode = 1;
    break;
  }
  workers[victim] = start();
  const entries = Atomics.load(shared, 2);
  if (entries !== lastEntries) stalledSince = Date.now();
  lastEntries = entries;
  if (Date.now() - stalledSince > 5000) {
    console.error('no progress for 5 s');
    process.exitCode = 1;
    break;
  }
}
for (const pid of workers) {
  posix.kill(pid, 'SIGKILL');
  posix.waitpid(pid);
}
console.log(`${kills} kills, ${shared[2]} entries, ${shared[3]} takeovers from dead owners, ${shared[1]} violations`);
if (shared[1] !== 0) process.exitCode = 1;
