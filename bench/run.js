// Runs every benchmark in bench/ in turn (one command: npm run bench).
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const NOT_BENCHMARKS = new Set(['run.js', 'stats.js', 'results.js', 'chart.js', 'tiny_child.js']);
const only = process.argv.slice(2);
const files = fs
  .readdirSync(__dirname)
  .filter((f) => f.endsWith('.js') && !NOT_BENCHMARKS.has(f) && !f.startsWith('_') && !f.endsWith('_child.js'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();
let failed = 0;
for (const file of files) {
  console.log(`\n## ${file}\n`);
  const result = spawnSync(process.execPath, ['--single-threaded', path.join(__dirname, file)], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
// The chart in the README is drawn from what the runs just saved.
if (failed === 0) spawnSync(process.execPath, [path.join(__dirname, 'chart.js')], { stdio: 'inherit' });
process.exitCode = failed ? 1 : 0;
