// A Barrier demo: four runners meet at the start line before each of three
// races; the last to arrive fires the starting gun (the barrier's action, an
// exported function, so it reaches every runner process), and nobody starts a
// race before everyone has finished the previous one.
// Run: node examples/barrier_race.js
'use strict';
const { Process, Barrier, isMainProcess } = require('posix-multiprocessing');

const RUNNERS = 4;
const RACES = 3;
const pause = new Int32Array(new SharedArrayBuffer(4));

function bang() {
  console.log('--- bang! ---');
}

function runner(startLine, n) {
  for (let race = 1; race <= RACES; race++) {
    Atomics.wait(pause, 0, 0, Math.floor(Math.random() * 40)); // warming up
    const arrival = startLine.waitSync();
    console.log(`race ${race}: runner ${n} starts (arrived ${arrival + 1} of ${RUNNERS})`);
  }
}

module.exports = { bang, runner };

if (isMainProcess()) {
  const startLine = new Barrier(RUNNERS, { action: bang });
  const runners = [];
  for (let n = 1; n <= RUNNERS; n++) runners.push(new Process({ target: runner, args: [startLine, n] }));
  for (const p of runners) p.start();
  Promise.all(runners.map((p) => p.join())).then(() => console.log(`${RUNNERS} runners ran ${RACES} races`));
}
