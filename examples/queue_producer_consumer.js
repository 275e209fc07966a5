// Producer/consumer with a sentinel: the producer puts ten numbers and then
// null; the consumer stops at the null.
// Run: node --single-threaded examples/queue_producer_consumer.js
'use strict';
const { Queue, posix } = require('posix-multiprocessing');

const SENTINEL = null;
const queue = new Queue();

function startProcess(body) {
  const pid = posix.fork();
  if (pid === 0) posix.exit(body() ?? 0);
  return pid;
}

const producer = startProcess(() => {
  for (let i = 0; i < 10; i++) queue.putSync(i * i);
  queue.putSync(SENTINEL);
});

const consumer = startProcess(() => {
  const got = [];
  for (;;) {
    const item = queue.getSync();
    if (item === SENTINEL) break;
    got.push(item);
  }
  console.log(`consumer got ${got.length} items: ${got.join(' ')}`);
});

for (const pid of [producer, consumer]) posix.waitpid(pid);
console.log('done');
