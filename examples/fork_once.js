// The classic first fork demo: one call, two processes, two return values.
// Run: node --single-threaded examples/fork_once.js
'use strict';
const { posix } = require('posix-multiprocessing');

console.log(`before fork: I am ${posix.getpid()}`);
const pid = posix.fork();
if (pid === 0) {
  console.log(`child: fork() returned 0, my pid is ${posix.getpid()}, my parent is ${posix.getppid()}`);
  posix.exit(0);
}
console.log(`parent: fork() returned ${pid}, my pid is ${posix.getpid()}`);
const status = posix.waitpid(pid);
console.log(`parent: child ${status.pid} exited with ${status.exitCode}`);
