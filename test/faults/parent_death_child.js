// The parent test/faults/parent_death.js kills: two children and a Pool(2),
// all in CPU loops, started with the start method named in argv[2]. It prints
// "ready" once all four have said they are inside their loop.
'use strict';
const { Pool, Semaphore, getContext, isMainProcess } = require('../..');

let inLoop = null;

function spin(running) {
  running.release();
  for (;;);
}

function keep(running) {
  inLoop = running;
}

function spinTask() {
  inLoop.release();
  for (;;);
}

module.exports = { spin, keep, spinTask };

async function main() {
  const context = getContext(process.argv[2]);
  const running = new Semaphore(0);
  for (let i = 0; i < 2; i++) new context.Process({ target: spin, args: [running] }).start();
  const pool = new Pool({ processes: 2, context, initializer: keep, initargs: [running] });
  for (let i = 0; i < 2; i++) pool.apply(spinTask).catch(() => {});
  for (let i = 0; i < 4; i++) await running.acquire();
  process.stdout.write('ready\n');
}

if (isMainProcess()) main();
