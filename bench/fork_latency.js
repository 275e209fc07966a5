// Time from posix.fork() to the child's first line of JavaScript, at 50 MB and
// 500 MB heaps, against child_process.fork() of a tiny script, in one run.
// Also: how each way of finding Node's MADV_DONTFORK mappings costs, and whether
// child_process.spawn() stays as fast after our forks as before them.
// Run: node bench/fork_latency.js   (the measuring processes use --single-threaded)
'use strict';
const { execFileSync, fork: cpFork, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { median, table } = require('./stats');

const ROUNDS = 15;

function measureFork(posix, waitpid) {
  const [readFd, writeFd] = posix.pipe();
  const t0 = process.hrtime.bigint();
  const pid = posix.fork();
  if (pid === 0) {
    const firstLine = process.hrtime.bigint();
    fs.writeSync(writeFd, String(firstLine));
    posix.exit(0);
  }
  fs.closeSync(writeFd);
  const buf = Buffer.alloc(64);
  const n = fs.readSync(readFd, buf);
  fs.closeSync(readFd);
  waitpid(pid);
  return Number(BigInt(buf.toString('utf8', 0, n)) - t0) / 1e6;
}

function spawnTrueMs() {
  const t0 = process.hrtime.bigint();
  spawnSync('true');
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

// In a measuring process: build the heap, then time forks with the given advice mode.
function worker(heapMb) {
  const { posix } = require('..');
  const ballast = [];
  while (process.memoryUsage().heapUsed < heapMb * 1e6)
    ballast.push({ n: ballast.length, s: `item ${ballast.length}` });
  const spawnBefore = median(Array.from({ length: ROUNDS }, spawnTrueMs));
  const forkMs = median(Array.from({ length: ROUNDS }, () => measureFork(posix, posix.waitpid)));
  const spawnAfter = median(Array.from({ length: ROUNDS }, spawnTrueMs));
  const t0 = process.hrtime.bigint();
  fs.readFileSync('/proc/self/smaps');
  const smapsReadMs = Number(process.hrtime.bigint() - t0) / 1e6;
  console.log(
    JSON.stringify({ heapMb, forkMs, spawnBefore, spawnAfter, smapsReadMs, rssMb: process.memoryUsage().rss / 1e6 }),
  );
  process.exit(0);
}

function childProcessForkMs() {
  const script = path.join(__dirname, 'tiny_child.js');
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = cpFork(script, [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    child.once('message', (firstLine) => {
      resolve(Number(BigInt(firstLine) - t0) / 1e6);
      child.disconnect();
    });
    child.once('error', reject);
  });
}

async function main() {
  const rows = [];
  const cp = [];
  for (let i = 0; i < 10; i++) cp.push(await childProcessForkMs());
  const cpMs = median(cp);
  for (const heapMb of [50, 500]) {
    for (const mode of ['probe', 'smaps', 'anon']) {
      const out = execFileSync(
        process.execPath,
        ['--single-threaded', '--max-old-space-size=4096', __filename, '--worker', String(heapMb)],
        { encoding: 'utf8', env: { ...process.env, POSIX_MP_FORK_ADVICE: mode } },
      );
      const r = JSON.parse(out.trim().split('\n').pop());
      rows.push([
        `posix.fork (${mode}${mode === 'probe' ? ', default' : ''})`,
        `${heapMb} MB`,
        r.forkMs.toFixed(2),
        (cpMs / r.forkMs).toFixed(1) + 'x',
        `${r.spawnBefore.toFixed(2)} -> ${r.spawnAfter.toFixed(2)}`,
        r.smapsReadMs.toFixed(1),
      ]);
    }
  }
  rows.push(['child_process.fork (tiny script)', '-', cpMs.toFixed(2), '1.0x', '-', '-']);
  console.log("fork(): time to the child's first line, medians");
  console.log(
    table(
      ['method', 'parent heap', 'ms', 'vs child_process.fork', 'spawn(true) ms before -> after', 'smaps read ms'],
      rows,
    ),
  );
}

if (process.argv[2] === '--worker') worker(Number(process.argv[3]));
else main();
