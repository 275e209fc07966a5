// Processes do not share memory: a child's change to a global stays in the child.
// Run: node examples/process_isolation.js
'use strict';
const { Process, isMainProcess } = require('posix-multiprocessing');

const shopping = ['milk'];

function addEggs() {
  shopping.push('eggs');
  console.log(`child list: ${shopping.join(', ')}`);
}

module.exports = { addEggs };

if (isMainProcess()) {
  const p = new Process({ target: addEggs });
  p.start();
  p.joinSync();
  console.log(`parent list: ${shopping.join(', ')}`);
}
