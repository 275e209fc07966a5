// A writer process and a reader process connected by a queue; the main process
// starts both and waits for them. The reader stops at the writer's 'DONE'.
// Run: node examples/queue_writer_reader.js
'use strict';
const { Process, Queue, isMainProcess } = require('posix-multiprocessing');

function write(queue) {
  for (const word of ['alpha', 'beta', 'gamma']) queue.putSync(word);
  queue.putSync('DONE');
}

function read(queue) {
  for (let message = queue.getSync(); message !== 'DONE'; message = queue.getSync()) console.log(`reader: ${message}`);
}

module.exports = { write, read };

if (isMainProcess()) {
  (async () => {
    const queue = new Queue();
    const reader = new Process({ target: read, args: [queue], name: 'reader' });
    const writer = new Process({ target: write, args: [queue], name: 'writer' });
    reader.start();
    writer.start();
    for (const p of [writer, reader]) {
      await p.join();
      console.log(`${p.name} exited with ${p.exitcode}`);
    }
  })();
}
