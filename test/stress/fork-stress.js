// Fork stress: N forks (default 1,000) of children that allocate enough to force
// several GCs and use timers, promises and fs; two children run at a time.
// Prints hangs and crashes (both must be 0) and the time to the child's first line.
// Run: node --single-threaded test/stress/fork-stress.js [count]
'use strict';
const fs = require('node:fs');
const { posix } = require('../..');
const { waitForExit } = require('../../dist/wait/child_watch');

const total = Number(process.argv[2] || 1000);
const concurrency = 2;
const hangAfterMs = 15000;
const stressParent = process.pid;

// A parent with a real heap (~50 MB) so forks copy something.
const ballast = [];
while (process.memoryUsage().heapUsed < 50e6) ballast.push({ n: ballast.length, s: `item ${ballast.length}` });

async function childWork(writeFd) {
  const firstLine = process.hrtime.bigint();
  let garbage = 0;
  for (let round = 0; round < 3; round++) {
    const objects = [];
    for (let i = 0; i < 200000; i++) objects.push({ i, s: `x${i}` });
    garbage += objects.length;
  }
  await new Promise((resolve) => setTimeout(resolve, 1));
  const text = await fs.promises.readFile(__filename, 'utf8');
  fs.writeSync(writeFd, `${firstLine} ${garbage} ${text.length}\n`);
  fs.closeSync(writeFd);
}

async function runOne() {
  const [readFd, writeFd] = posix.pipe();
  const forkedAt = process.hrtime.bigint();
  const pid = posix.fork();
  if (pid === 0) {
    fs.closeSync(readFd);
    childWork(writeFd).then(
      () => posix.exit(0),
      (err) => {
        console.error(`child ${process.pid} (parent ${posix.getppid()}, stress parent ${stressParent}):`, err);
        posix.exit(2);
      },
    );
    return new Promise(() => {}); // the child never returns to the parent's loop body
  }
  fs.closeSync(writeFd);
  let timer;
  const hung = new Promise((resolve) => {
    timer = setTimeout(() => resolve('hang'), hangAfterMs);
  });
  const outcome = await Promise.race([waitForExit(pid), hung]);
  clearTimeout(timer);
  if (outcome === 'hang') {
    posix.kill(pid, 'SIGKILL');
    await waitForExit(pid);
    fs.closeSync(readFd);
    return { kind: 'hang', pid };
  }
  const buf = Buffer.alloc(256);
  const n = fs.readSync(readFd, buf);
  fs.closeSync(readFd);
  if (outcome.signal !== null) return { kind: 'crash', pid, signal: outcome.signal };
  if (outcome.exitCode !== 0 || n === 0) return { kind: 'failed', pid, exitCode: outcome.exitCode };
  const firstLine = BigInt(buf.toString('utf8', 0, n).split(' ')[0]);
  return { kind: 'ok', firstLineMs: Number(firstLine - forkedAt) / 1e6 };
}

async function main() {
  const results = [];
  let started = 0;
  const startedAt = Date.now();
  async function lane() {
    while (started < total) {
      started++;
      results.push(await runOne());
    }
  }
  await Promise.all(Array.from({ length: concurrency }, lane));
  const count = (kind) => results.filter((r) => r.kind === kind).length;
  const latencies = results
    .filter((r) => r.kind === 'ok')
    .map((r) => r.firstLineMs)
    .sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))];
  console.log(
    `forks: ${results.length} in ${((Date.now() - startedAt) / 1000).toFixed(1)} s, parent heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB (${ballast.length} ballast objects)`,
  );
  console.log(`ok: ${count('ok')}  hangs: ${count('hang')}  crashes: ${count('crash')}  failed: ${count('failed')}`);
  console.log(
    `time to child's first line: median ${pct(0.5).toFixed(2)} ms, p90 ${pct(0.9).toFixed(2)} ms, p99 ${pct(0.99).toFixed(2)} ms`,
  );
  for (const r of results.filter((x) => x.kind !== 'ok').slice(0, 10)) console.log('  ', JSON.stringify(r));
  process.exitCode = count('ok') === total ? 0 : 1;
}

main();
