// Producer/consumer over a one-way Pipe: Pipe(false) gives [receiving end,
// sending end]. The consumer iterates until the producer closes its end.
// Run: node --single-threaded examples/pipe_producer_consumer.js
'use strict';
const { Pipe, posix } = require('posix-multiprocessing');

const [receiver, sender] = Pipe(false);

const producer = posix.fork();
if (producer === 0) {
  receiver.close();
  for (let i = 1; i <= 5; i++) sender.sendSync({ job: i, payload: 'x'.repeat(i) });
  sender.close();
  posix.exit(0);
}

sender.close();
async function main() {
  let jobs = 0;
  for await (const message of receiver) {
    jobs++;
    console.log(`consumed job ${message.job} (${message.payload.length} bytes)`);
  }
  console.log(`producer closed the pipe after ${jobs} jobs`);
  receiver.close();
  posix.waitpid(producer);
}
main();
