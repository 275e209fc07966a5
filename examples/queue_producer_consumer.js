// Producer/consumer with a sentinel: the producer puts ten numbers and then
// null; the consumer stops at the null.
// Run: node examples/queue_producer_consumer.js
'use strict';
const { Process, Queue, isMainProcess } = require('posix-multiprocessing');

const SENTINEL = null;

function produce(queue) {
  for (let i = 0; i < 10; i++) queue.putSync(i * i);
  queue.putSync(SENTINEL);
}

function consume(queue) {
  const got = [];
  for (let item = queue.getSync(); item !== SENTINEL; item = queue.getSync()) got.push(item);
  console.log(`consumer got ${got.length} items: ${got.join(' ')}`);
}

module.exports = { produce, consume };

if (isMainProcess()) {
  (async () => {
    const queue = new Queue();
    const producer = new Process({ target: produce, args: [queue] });
    const consumer = new Process({ target: consume, args: [queue] });
    producer.start();
    consumer.start();
    await producer.join();
    await consumer.join();
    console.log('done');
  })();
}
