// A writer process and a reader process connected by a queue; the main process
// starts both and waits for them. The reader stops at the writer's 'DONE'.
// Run: node --single-threaded examples/queue_writer_reader.js
'use strict';
const { Queue, posix } = require('posix-multiprocessing');

const queue = new Queue();

function startProcess(body) {
  const pid = posix.fork();
  if (pid === 0) posix.exit(body() ?? 0);
  return pid;
}

const reader = startProcess(() => {
  for (;;) {
    const message = queue.getSync();
    if (message === 'DONE') break;
    console.log(`reader: ${message}`);
  }
});
const writer = startProcess(() => {
  for (const word of ['alpha', 'beta', 'gamma']) queue.putSync(word);
  queue.putSync('DONE');
});

for (const pid of [writer, reader]) {
  const { exitCode } = posix.waitpid(pid);
  console.log(`${pid === writer ? 'writer' : 'reader'} exited with ${exitCode}`);
}
