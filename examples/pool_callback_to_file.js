// 1,000 tasks; each result is written to one file by the callback, which runs
// in the main process (so only one process ever writes the file).
// Run: node examples/pool_callback_to_file.js [file]
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Pool, isMainProcess } = require('posix-multiprocessing');

function describe(n) {
  return `${n} squared is ${n * n} (worker ${process.pid})`;
}

module.exports = { describe };

async function main() {
  const file = process.argv[2] ?? path.join(os.tmpdir(), `pool-results-${process.pid}.txt`);
  const out = fs.openSync(file, 'w');
  const pool = new Pool(4);
  for (let i = 0; i < 1000; i++) {
    pool.applyAsync(describe, [i], { callback: (line) => fs.writeSync(out, `${line}\n`) });
  }
  pool.close();
  await pool.join(); // every callback has written its line
  fs.closeSync(out);
  const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
  console.log(`${lines.length} lines written to ${file}`);
}

if (isMainProcess()) main();
