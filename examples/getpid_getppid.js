// Each process asks who it is and who its parent is.
// Run: node --single-threaded examples/getpid_getppid.js
'use strict';
const { posix } = require('posix-multiprocessing');

console.log(`main process: pid ${posix.getpid()}, parent ${posix.getppid()}`);
const children = [];
for (let i = 0; i < 3; i++) {
  const pid = posix.fork();
  if (pid === 0) {
    console.log(`child ${i}: pid ${posix.getpid()}, parent ${posix.getppid()}`);
    posix.exit(0);
  }
  children.push(pid);
}
for (const pid of children) posix.waitpid(pid);
console.log('main process: all children reaped');
