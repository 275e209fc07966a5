// Cancelling pool work: an AbortSignal stops a task that is already running
// (its worker is killed and replaced), a per-task timeout does the same on its
// own, and the pool carries on with the other tasks as if nothing happened.
// Run: node examples/pool_cancel_job.js
'use strict';
const { Pool, isMainProcess } = require('posix-multiprocessing');

/** Busy for `ms` milliseconds: a CPU loop only killing the worker can stop. */
function spin(ms) {
  const end = Date.now() + ms;
  while (Date.now() < end);
  return `spun ${ms} ms in ${process.pid}`;
}

module.exports = { spin };

async function main() {
  const pool = new Pool(2);

  // 1. Cancel a running job from outside: a user pressed "stop" after 200 ms.
  const controller = new AbortController();
  const job = pool.apply(spin, [60000], { signal: controller.signal });
  setTimeout(() => controller.abort(new Error('stopped by the user')), 200);
  const started = Date.now();
  try {
    await job;
  } catch (err) {
    console.log(`cancelled: ${err.name} after ${Date.now() - started} ms (reason: ${err.cause.message})`);
  }

  // 2. A deadline per task: the 60 s job fails after 300 ms, the quick one beside it is untouched.
  const [slow, quick] = await Promise.allSettled([pool.apply(spin, [60000], { timeout: 300 }), pool.apply(spin, [50])]);
  console.log(`timed out: ${slow.reason.name} ${slow.reason.code}`);
  console.log(`beside it: ${quick.value}`);

  // 3. The pool is whole again: two workers, both answering.
  const results = await pool.map(spin, [10, 10, 10, 10]);
  console.log(`afterwards: ${results.length} tasks done; workers ${pool.stats().processes}`);
  pool.close();
  await pool.join();
}

if (isMainProcess()) main();
