// After fork each process has its own copy of memory: the child's changes are
// invisible to the parent.
// Run: node --single-threaded examples/data_isolation.js
'use strict';
const { posix } = require('posix-multiprocessing');

const numbers = [1, 2, 3];
let counter = 100;

const pid = posix.fork();
if (pid === 0) {
  numbers.push(4);
  counter += 1;
  console.log(`child: numbers=${JSON.stringify(numbers)} counter=${counter}`);
  posix.exit(0);
}
posix.waitpid(pid);
console.log(`parent: numbers=${JSON.stringify(numbers)} counter=${counter}`);
