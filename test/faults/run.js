// npm run faults: the fault-injection scripts of test/faults, one after the
// other at full size, each printing its own result; a summary at the end.
// Run: node test/faults/run.js [name ...]   (e.g. queue_kill tree_kill)
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const scripts = ['queue_kill', 'primitive_kill', 'manager_kill', 'tree_kill', 'parent_death'];
const chosen = process.argv.length > 2 ? process.argv.slice(2) : scripts;
const summary = [];
for (const name of chosen) {
  if (!scripts.includes(name)) throw new Error(`no fault script '${name}'; there are: ${scripts.join(', ')}`);
  console.log(`=== ${name}`);
  const started = Date.now();
  // fork-based scripts need a single-threaded Node (README, "fork safety").
  const run = spawnSync(process.execPath, ['--single-threaded', path.join(__dirname, `${name}.js`)], {
    stdio: 'inherit',
  });
  summary.push(`${name}: ${run.status === 0 ? 'PASS' : 'FAIL'} (${Math.round((Date.now() - started) / 1000)} s)`);
}
console.log(`=== summary\n${summary.join('\n')}`);
process.exitCode = summary.every((line) => line.includes('PASS')) ? 0 : 1;
