// A shared counter in a Value: four processes each add 1000 under the value's
// lock, so no increment is lost. (Without the lock, `counter.value += 1` is a
// read and a write, and concurrent increments overwrite each other.)
// Run: node --single-threaded examples/shared_counter.js
'use strict';
const { Value, posix } = require('posix-multiprocessing');

const counter = Value('i', 0); // 'i': a C int (int32); with a lock by default

const children = [];
for (let k = 0; k < 4; k++) {
  const pid = posix.fork();
  if (pid === 0) {
    const lock = counter.getLock();
    for (let i = 0; i < 1000; i++) {
      lock.acquireSync();
      try {
        counter.value += 1;
      } finally {
        lock.release();
      }
    }
    posix.exit(0);
  }
  children.push(pid);
}
for (const pid of children) posix.waitpid(pid);
console.log(`counter: ${counter.value} (expected 4000)`);
