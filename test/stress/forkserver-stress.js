// Forkserver stress: N children (default 10,000) started and joined, 8 at a
// time; each does a little async work. Prints hangs and crashes (must be 0).
// Run: node test/stress/forkserver-stress.js [count]
'use strict';
const { Process, isMainProcess } = require('../..');

const total = Number(process.argv[2] || 10000);
const lanes = 8;
const hangAfterMs = 20000;

async function child(n) {
  await new Promise((resolve) => setTimeout(resolve, n % 3));
  if (n % 1000 === 0) JSON.stringify(Array.from({ length: 10000 }, (_, i) => i));
}

module.exports = { child };

async function main() {
  const startedAt = Date.now();
  let next = 0;
  const outcomes = { ok: 0, hang: 0, crash: 0, failed: 0 };
  const bad = [];
  async function lane() {
    while (next < total) {
      const n = next++;
      const p = new Process({ target: child, args: [n] });
      p.start();
      await p.join(hangAfterMs);
      if (p.exitcode === null) {
        outcomes.hang++;
        bad.push({ n, pid: p.pid, kind: 'hang' });
        p.kill();
        await p.join();
      } else if (p.exitcode < 0) {
        outcomes.crash++;
        bad.push({ n, pid: p.pid, exitcode: p.exitcode });
      } else if (p.exitcode !== 0) {
        outcomes.failed++;
        bad.push({ n, pid: p.pid, exitcode: p.exitcode });
      } else {
        outcomes.ok++;
      }
      p.close();
    }
  }
  await Promise.all(Array.from({ length: lanes }, lane));
  const seconds = (Date.now() - startedAt) / 1000;
  console.log(`children: ${total} in ${seconds.toFixed(1)} s (${(total / seconds).toFixed(0)}/s)`);
  console.log(`ok: ${outcomes.ok}  hangs: ${outcomes.hang}  crashes: ${outcomes.crash}  failed: ${outcomes.failed}`);
  for (const b of bad.slice(0, 10)) console.log('  ', JSON.stringify(b));
  process.exitCode = outcomes.ok === total ? 0 : 1;
}

if (isMainProcess()) main();
