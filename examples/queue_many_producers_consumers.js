// Several producers and several consumers share one queue; once the producers
// are done the main process puts one sentinel per consumer. Every item is got
// exactly once, so the consumers' totals add up to the producers'.
// Run: node examples/queue_many_producers_consumers.js
'use strict';
const { Process, Queue, isMainProcess } = require('posix-multiprocessing');

const PRODUCERS = 3;
const CONSUMERS = 2;
const ITEMS_EACH = 1000;

function produce(work, p) {
  for (let i = 1; i <= ITEMS_EACH; i++) work.putSync({ producer: p, value: i });
}

function consume(work, totals, c) {
  let count = 0;
  let sum = 0;
  for (let item = work.getSync(); item !== null; item = work.getSync()) {
    count++;
    sum += item.value;
  }
  totals.putSync({ consumer: c, count, sum });
}

module.exports = { produce, consume };

if (isMainProcess()) {
  (async () => {
    const work = new Queue(100);
    const totals = new Queue();
    const producers = Array.from({ length: PRODUCERS }, (_, p) => new Process({ target: produce, args: [work, p] }));
    const consumers = Array.from(
      { length: CONSUMERS },
      (_, c) => new Process({ target: consume, args: [work, totals, c] }),
    );
    for (const p of [...producers, ...consumers]) p.start();
    for (const p of producers) await p.join();
    for (let c = 0; c < CONSUMERS; c++) await work.put(null); // one sentinel per consumer
    let count = 0;
    let sum = 0;
    for (let c = 0; c < CONSUMERS; c++) {
      const t = await totals.get();
      count += t.count;
      sum += t.sum;
    }
    for (const p of consumers) await p.join();
    console.log(`items got: ${count} (expected ${PRODUCERS * ITEMS_EACH})`);
    console.log(`sum: ${sum} (expected ${(PRODUCERS * (ITEMS_EACH * (ITEMS_EACH + 1))) / 2})`);
  })();
}
