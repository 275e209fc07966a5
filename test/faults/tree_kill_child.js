// The tree test/faults/tree_kill.js kills: a process using every kind of named
// or leaving object the library has (a SharedMemory segment, a Queue item that
// travels in its own segment, a Manager with its socket, forkserver children,
// a busy Pool), which is SIGKILLed with all its descendants at a random moment.
'use strict';
const { SharedMemory, Queue, Manager, Pool, Process, Lock, isMainProcess } = require('../..');

function spin() {
  for (;;);
}

module.exports = { spin };

async function main() {
  const segment = new SharedMemory({ create: true, size: 1 << 20 });
  segment.buf[0] = 1;
  const queue = new Queue();
  await queue.put(Buffer.alloc(3 << 20)); // past half the ring: a segment of its own, never taken
  const lock = new Lock();
  await lock.acquire();
  const manager = await Manager();
  const dict = await manager.dict();
  await dict.set('k', 1);
  const child = new Process({ target: spin });
  child.start();
  const pool = new Pool(2);
  pool.apply(spin).catch(() => {});
  process.stdout.write('ready\n');
  setInterval(() => {}, 1000);
}

if (isMainProcess()) main();
