// Start many processes, then join them all.
// Run: node examples/many_processes.js
'use strict';
const { Process, isMainProcess, cpuCount } = require('posix-multiprocessing');

function square(n) {
  console.log(`${n} squared is ${n * n}`);
}

module.exports = { square };

if (isMainProcess()) {
  const count = Math.max(8, cpuCount() * 2);
  const processes = Array.from({ length: count }, (_, i) => new Process({ target: square, args: [i] }));
  for (const p of processes) p.start();
  Promise.all(processes.map((p) => p.join())).then(() => {
    console.log(`joined ${processes.length} processes, exit codes ${[...new Set(processes.map((p) => p.exitcode))]}`);
  });
}
