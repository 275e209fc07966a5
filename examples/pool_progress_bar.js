// A progress bar over a lazy imap: the pool pulls items from a generator as
// workers free up (buffersize bounds how far it reads ahead), and each result
// moves the bar (cli-progress). The input is never held whole in memory.
// Run: node examples/pool_progress_bar.js [items]
'use strict';
const cliProgress = require('cli-progress');
const { Pool, isMainProcess } = require('posix-multiprocessing');

/** A stand-in for real work: a little CPU per item. */
function checksum(n) {
  let hash = n;
  for (let i = 0; i < 20000; i++) hash = (hash * 31 + i) % 1000003;
  return hash;
}

module.exports = { checksum };

function* numbers(count) {
  for (let n = 0; n < count; n++) yield n;
}

async function main() {
  const total = Number(process.argv[2] ?? 2000);
  // When stdout is not a terminal (a log, a test), draw a line every 200 ms instead of redrawing.
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stdout,
      noTTYOutput: true,
      notTTYSchedule: 200,
      format: 'checksums [{bar}] {percentage}% | {value}/{total}',
    },
    cliProgress.Presets.shades_classic,
  );
  const pool = new Pool(2);
  let sum = 0;
  bar.start(total, 0);
  for await (const value of pool.imapUnordered(checksum, numbers(total), { chunksize: 20, buffersize: 4 })) {
    sum += value;
    bar.increment();
  }
  bar.stop();
  pool.close();
  await pool.join();
  console.log(`done: ${total} items, checksum sum ${sum}`);
}

if (isMainProcess()) main();
