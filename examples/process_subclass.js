// Subclass Process and override run(), as in Python.
// Run: node examples/process_subclass.js
'use strict';
const { Process, isMainProcess } = require('posix-multiprocessing');

class Countdown extends Process {
  constructor(from) {
    super();
    this.from = from;
  }

  run() {
    for (let n = this.from; n > 0; n--) console.log(`${this.name}: ${n}`);
    console.log(`${this.name}: liftoff`);
  }
}

module.exports = { Countdown };

if (isMainProcess()) {
  const p = new Countdown(3);
  p.name = 'countdown';
  p.start();
  p.joinSync();
  console.log(`exitcode ${p.exitcode}`);
}
