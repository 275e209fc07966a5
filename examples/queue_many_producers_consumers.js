// Several producers and several consumers share one queue; once the producers
// are done the main process puts one sentinel per consumer. Every item is got
// exactly once, so the consumers' totals add up to the producers'.
// Run: node --single-threaded examples/queue_many_producers_consumers.js
'use strict';
const { Queue, posix } = require('posix-multiprocessing');

const PRODUCERS = 3;
const CONSUMERS = 2;
const ITEMS_EACH = 1000;
const work = new Queue(100);
const totals = new Queue();

function startProcess(body) {
  const pid = posix.fork();
  if (pid === 0) posix.exit(body() ?? 0);
  return pid;
}

const producers = Array.from({ length: PRODUCERS }, (_, p) => startProcess(() => {
  for (let i = 1; i <= ITEMS_EACH; i++) work.putSync({ producer: p, value: i });
}));
const consumers = Array.from({ length: CONSUMERS }, (_, c) => startProcess(() => {
  let count = 0;
  let sum = 0;
  for (let item = work.getSync(); item !== null; item = work.getSync()) {
    count++;
    sum += item.value;
  }
  totals.putSync({ consumer: c, count, sum });
}));

for (const pid of producers) posix.waitpid(pid);
for (let c = 0; c < CONSUMERS; c++) work.putSync(null); // one sentinel per consumer
let count = 0;
let sum = 0;
for (let c = 0; c < CONSUMERS; c++) {
  const t = totals.getSync();
  count += t.count;
  sum += t.sum;
}
for (const pid of consumers) posix.waitpid(pid);
console.log(`items got: ${count} (expected ${PRODUCERS * ITEMS_EACH})`);
console.log(`sum: ${sum} (expected ${PRODUCERS * (ITEMS_EACH * (ITEMS_EACH + 1)) / 2})`);
