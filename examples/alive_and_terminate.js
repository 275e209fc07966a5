// isAlive() before, during and after; terminate() a process that would run too long.
// Run: node examples/alive_and_terminate.js
'use strict';
const { Process, isMainProcess } = require('posix-multiprocessing');

function longTask() {
  return new Promise((resolve) => setTimeout(resolve, 60000));
}

module.exports = { longTask };

if (isMainProcess()) {
  const p = new Process({ target: longTask });
  console.log(`before start: alive=${p.isAlive()} exitcode=${p.exitcode}`);
  p.start();
  console.log(`running: alive=${p.isAlive()} exitcode=${p.exitcode}`);
  p.terminate();
  p.joinSync();
  console.log(`after terminate: alive=${p.isAlive()} exitcode=${p.exitcode}`);
}
