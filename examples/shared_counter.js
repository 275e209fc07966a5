// A shared counter in a Value: four processes each add 1000 under the value's
// lock, so no increment is lost. (Without the lock, `counter.value += 1` is a
// read and a write, and concurrent increments overwrite each other.)
// Run: node examples/shared_counter.js
'use strict';
const { Process, Value, isMainProcess } = require('posix-multiprocessing');

function addThousand(counter) {
  const lock = counter.getLock();
  for (let i = 0; i < 1000; i++) {
    lock.acquireSync();
    try {
      counter.value += 1;
    } finally {
      lock.release();
    }
  }
}

module.exports = { addThousand };

if (isMainProcess()) {
  (async () => {
    const counter = Value('i', 0); // 'i': a C int (int32), with a lock by default
    const workers = [1, 2, 3, 4].map(() => new Process({ target: addThousand, args: [counter] }));
    for (const p of workers) p.start();
    for (const p of workers) await p.join();
    console.log(`counter: ${counter.value} (expected 4000)`);
  })();
}
