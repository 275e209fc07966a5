// JoinableQueue with daemon-like consumers: the consumers loop forever,
// calling taskDone() after each item; the main process waits in join() until
// every item has been processed, then stops the consumers.
// Run: node --single-threaded examples/joinable_queue.js
'use strict';
const { JoinableQueue, Queue, posix } = require('posix-multiprocessing');

const tasks = new JoinableQueue();
const results = new Queue();

function startProcess(body) {
  const pid = posix.fork();
  if (pid === 0) posix.exit(body() ?? 0);
  return pid;
}

const consumers = [1, 2, 3].map((id) => startProcess(() => {
  for (;;) {
    const n = tasks.getSync();
    results.putSync({ worker: id, n, square: n * n });
    tasks.taskDone();
  }
}));

async function main() {
  for (let n = 1; n <= 20; n++) await tasks.put(n);
  await tasks.join(); // resolves once taskDone() was called for all 20
  console.log(`all tasks done; ${results.qsize()} results`);
  let sum = 0;
  while (!results.empty()) sum += results.getSync().square;
  console.log(`sum of squares: ${sum}`);
  for (const pid of consumers) posix.kill(pid, 'SIGTERM'); // they never return by themselves
  for (const pid of consumers) posix.waitpid(pid);
  console.log('consumers stopped');
}

main();
