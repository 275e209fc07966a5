// JoinableQueue with daemon consumers: the consumers loop forever, calling
// taskDone() after each item; the main process waits in join() until every
// item has been processed. Daemon processes end with the main process.
// Run: node examples/joinable_queue.js
'use strict';
const { Process, JoinableQueue, Queue, isMainProcess } = require('posix-multiprocessing');

function worker(tasks, results, id) {
  for (;;) {
    const n = tasks.getSync();
    results.putSync({ worker: id, n, square: n * n });
    tasks.taskDone();
  }
}

module.exports = { worker };

if (isMainProcess()) {
  (async () => {
    const tasks = new JoinableQueue();
    const results = new Queue();
    for (const id of [1, 2, 3]) new Process({ target: worker, args: [tasks, results, id], daemon: true }).start();
    for (let n = 1; n <= 20; n++) await tasks.put(n);
    await tasks.join(); // resolves once taskDone() was called for all 20
    console.log(`all tasks done; ${results.qsize()} results`);
    let sum = 0;
    while (!results.empty()) sum += results.getSync().square;
    console.log(`sum of squares: ${sum}`);
    console.log('main exits; the daemon consumers end with it');
  })();
}
