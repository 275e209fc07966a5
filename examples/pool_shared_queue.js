// A Queue shared with the pool's workers: the initializer receives it (as in
// Python, where queues reach pool workers through initargs) and every task
// reports its progress on it while the main process reads.
// Run: node examples/pool_shared_queue.js
'use strict';
const { Pool, Queue, isMainProcess } = require('posix-multiprocessing');

let progress = null;

function init(queue) {
  progress = queue;
}

function work(n) {
  progress.putSync(`worker ${process.pid} finished item ${n}`);
  return n * 10;
}

module.exports = { init, work };

async function main() {
  const queue = new Queue();
  const pool = new Pool({ processes: 3, initializer: init, initargs: [queue] });
  const results = await pool.map(work, [1, 2, 3, 4, 5, 6, 7, 8], 1);
  const messages = [];
  for (let i = 0; i < 8; i++) messages.push(await queue.get());
  for (const line of messages.sort()) console.log(line);
  console.log('results:', results.join(' '));
  pool.close();
  await pool.join();
}

if (isMainProcess()) main();
