// A Barrier demo: four runners meet at the start line before each of three
// races; the last to arrive fires the starting gun (the barrier's action), and
// nobody starts a race before everyone has finished the previous one.
// Run: node --single-threaded examples/barrier_race.js
'use strict';
const { Barrier, posix } = require('posix-multiprocessing');

const RUNNERS = 4;
const RACES = 3;
const startLine = new Barrier(RUNNERS, { action: () => console.log('--- bang! ---') });
const pause = new Int32Array(new SharedArrayBuffer(4));

function runner(n) {
  for (let race = 1; race <= RACES; race++) {
    Atomics.wait(pause, 0, 0, Math.floor(Math.random() * 40)); // warming up
    const arrival = startLine.waitSync();
    console.log(`race ${race}: runner ${n} starts (arrived ${arrival + 1} of ${RUNNERS})`);
  }
}

const pids = [];
for (let n = 1; n <= RUNNERS; n++) {
  const pid = posix.fork();
  if (pid === 0) {
    runner(n);
    posix.exit(0);
  }
  pids.push(pid);
}
for (const pid of pids) posix.waitpid(pid);
console.log(`${RUNNERS} runners ran ${RACES} races`);
