// Full and Empty: putNowait() on a full bounded queue throws Full, getNowait()
// on an empty one throws Empty.
// Run: node examples/queue_full_empty.js
'use strict';
const { Queue, Full, Empty } = require('posix-multiprocessing');

const queue = new Queue(3);
for (let i = 1; ; i++) {
  try {
    queue.putNowait(i);
    console.log(`put ${i} (qsize ${queue.qsize()}, full: ${queue.full()})`);
  } catch (err) {
    if (!(err instanceof Full)) throw err;
    console.log(`put ${i}: Full`);
    break;
  }
}
for (;;) {
  try {
    console.log(`got ${queue.getNowait()} (empty: ${queue.empty()})`);
  } catch (err) {
    if (!(err instanceof Empty)) throw err;
    console.log('get: Empty');
    break;
  }
}
