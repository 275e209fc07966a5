// Two forks in a row make four processes: each fork doubles the count.
// Run: node --single-threaded examples/fork_twice.js
'use strict';
const { posix } = require('posix-multiprocessing');

const first = posix.fork();
const second = posix.fork();
console.log(`hello from ${posix.getpid()} (parent ${posix.getppid()}) first=${first} second=${second}`);
for (const child of [first, second]) {
  if (child > 0) posix.waitpid(child);
}
if (first === 0 || second === 0) posix.exit(0);
