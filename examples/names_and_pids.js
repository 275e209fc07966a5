// Every process has a name and a pid; children know their parent.
// Run: node examples/names_and_pids.js
'use strict';
const { Process, currentProcess, parentProcess, isMainProcess } = require('posix-multiprocessing');

function whoAmI() {
  const me = currentProcess();
  console.log(`child: name=${me.name} pid=${me.pid} parent=${parentProcess().pid}`);
}

module.exports = { whoAmI };

if (isMainProcess()) {
  console.log(`main: name=${currentProcess().name} pid=${process.pid}`);
  const named = new Process({ target: whoAmI, name: 'worker-a' });
  const unnamed = new Process({ target: whoAmI });
  for (const p of [named, unnamed]) p.start();
  for (const p of [named, unnamed]) p.joinSync();
  console.log(`started ${named.name} (${named.pid}) and ${unnamed.name} (${unnamed.pid})`);
}
