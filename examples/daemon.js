// A daemon process is stopped when the main process ends; a normal one is waited for.
// Run: node examples/daemon.js
'use strict';
const { Process, isMainProcess } = require('posix-multiprocessing');

async function heartbeat(label, beats) {
  for (let i = 1; i <= beats; i++) {
    console.log(`${label} beat ${i}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  console.log(`${label} finished`);
}

module.exports = { heartbeat };

if (isMainProcess()) {
  const daemon = new Process({ target: heartbeat, args: ['daemon', 100], daemon: true });
  const worker = new Process({ target: heartbeat, args: ['worker', 3] });
  daemon.start();
  worker.start();
  console.log(`daemon pid ${daemon.pid}, worker pid ${worker.pid}`);
  // No join: the main process waits for the worker, then stops the daemon.
}
