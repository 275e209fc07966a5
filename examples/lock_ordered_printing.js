// Three processes print A, B and C in strict turn through three locks: each
// waits for its own lock and, after printing, releases the next one's. (A
// multiprocessing Lock may be released by a process that did not take it.)
// Run: node examples/lock_ordered_printing.js
'use strict';
const fs = require('node:fs');
const { Process, Lock, isMainProcess } = require('posix-multiprocessing');

const ROUNDS = 5;

function task(turns, index) {
  const letter = 'ABC'[index];
  for (let round = 0; round < ROUNDS; round++) {
    turns[index].acquireSync();
    fs.writeSync(1, letter);
    turns[(index + 1) % 3].release();
  }
}

module.exports = { task };

if (isMainProcess()) {
  const turns = [new Lock(), new Lock(), new Lock()];
  turns[1].acquireSync(); // B and C wait; A goes first
  turns[2].acquireSync();
  const tasks = [0, 1, 2].map((index) => new Process({ target: task, args: [turns, index] }));
  for (const p of tasks) p.start();
  Promise.all(tasks.map((p) => p.join())).then(() => fs.writeSync(1, '\n'));
}
