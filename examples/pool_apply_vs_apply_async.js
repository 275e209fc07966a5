// apply() runs one task at a time (the caller waits for each); applyAsync()
// queues them all and the workers run them side by side. close() then join().
// Run: node examples/pool_apply_vs_apply_async.js
'use strict';
const { Pool, isMainProcess } = require('posix-multiprocessing');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function work(n) {
  await sleep(100);
  return `task ${n} done by ${process.pid}`;
}

module.exports = { work };

async function main() {
  const pool = new Pool(4);
  let started = Date.now();
  for (let i = 0; i < 4; i++) console.log('apply:', await pool.apply(work, [i]));
  const applyMs = Date.now() - started;

  started = Date.now();
  const results = [];
  for (let i = 0; i < 4; i++) pool.applyAsync(work, [i], { callback: (value) => results.push(value) });
  pool.close();
  await pool.join(); // every callback has run by now
  const asyncMs = Date.now() - started;
  for (const line of results) console.log('applyAsync:', line);
  console.log(`apply took ${applyMs} ms, applyAsync took ${asyncMs} ms`);
}

if (isMainProcess()) main();
