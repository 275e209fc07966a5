// Fault injection (e): a parent whose children and pool workers are all in CPU
// loops dies by SIGINT, SIGTERM or SIGKILL, under each start method. Every
// descendant must be gone within about a second. Prints the time per case.
// Run: node test/faults/parent_death.js [repeats=3]
'use strict';
const { spawn } = require('node:child_process');
const path = require('node:path');
const { descendantsOf, running } = require('../helpers/processes');

const REPEATS = Number(process.argv[2] ?? 3);
const BOUND_MS = 1000;
const GIVE_UP_MS = 10_000;
const parentScript = path.join(__dirname, 'parent_death_child.js');

async function once(method, signal) {
  // fork needs a single-threaded parent (README, "fork safety").
  const parent = spawn(process.execPath, ['--single-threaded', parentScript, method], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`parent ${parent.pid} (${method}) never got ready`)), 20_000);
    parent.stdout.once('data', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  const family = descendantsOf(parent.pid);
  const killedAt = performance.now();
  parent.kill(signal);
  let alive = family;
  while (alive.length > 0 && performance.now() - killedAt < GIVE_UP_MS) {
    await new Promise((r) => setTimeout(r, 5));
    alive = alive.filter(running);
  }
  const ms = performance.now() - killedAt;
  for (const pid of alive) process.kill(pid, 'SIGKILL');
  return { descendants: family.length, ms, survivors: alive.length };
}

async function main() {
  const rows = [];
  for (const method of ['fork', 'forkserver', 'spawn']) {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGKILL']) {
      let worst = 0;
      let survivors = 0;
      let descendants = 0;
      for (let i = 0; i < REPEATS; i++) {
        const r = await once(method, signal);
        worst = Math.max(worst, r.ms);
        survivors += r.survivors;
        descendants = r.descendants;
      }
      rows.push({ method, signal, descendants, worstMs: Math.round(worst), survivors });
      console.log(JSON.stringify(rows.at(-1)));
    }
  }
  const ok = rows.every((r) => r.survivors === 0 && r.worstMs <= BOUND_MS && r.descendants >= 4);
  console.log(ok ? 'parent_death: PASS' : 'parent_death: FAIL');
  process.exitCode = ok ? 0 : 1;
}

main();
