// Results gathered with AsyncResult.get(): submit everything first, then
// collect in submission order.
// Run: node examples/pool_get_results.js
'use strict';
const { Pool, isMainProcess } = require('posix-multiprocessing');

function square(x) {
  return x * x;
}

module.exports = { square };

async function main() {
  const pool = new Pool(3);
  const pending = [];
  for (let i = 1; i <= 10; i++) pending.push(pool.applyAsync(square, [i]));
  const values = [];
  for (const result of pending) values.push(await result.get());
  console.log('squares:', values.join(' '));
  const mapped = pool.mapAsync(square, [11, 12, 13]);
  console.log('ready at once?', mapped.ready());
  console.log('mapAsync:', (await mapped.get()).join(' '), 'successful:', mapped.successful());
  pool.close();
  await pool.join();
}

if (isMainProcess()) main();
