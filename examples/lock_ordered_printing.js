// Three processes print A, B and C in strict turn through three locks: each
// waits for its own lock and, after printing, releases the next one's. (A
// multiprocessing Lock may be released by a process that did not take it.)
// Run: node --single-threaded examples/lock_ordered_printing.js
'use strict';
const fs = require('node:fs');
const { Lock, posix } = require('posix-multiprocessing');

const ROUNDS = 5;
const turns = [new Lock(), new Lock(), new Lock()];
turns[1].acquireSync(); // B and C wait; A goes first
turns[2].acquireSync();

function task(index) {
  const letter = 'ABC'[index];
  for (let round = 0; round < ROUNDS; round++) {
    turns[index].acquireSync();
    fs.writeSync(1, letter);
    turns[(index + 1) % 3].release();
  }
}

const pids = [0, 1, 2].map((index) => {
  const pid = posix.fork();
  if (pid === 0) {
    task(index);
    posix.exit(0);
  }
  return pid;
});
for (const pid of pids) posix.waitpid(pid);
fs.writeSync(1, '\n');
