// Producer/consumer over a one-way Pipe: Pipe(false) gives [receiving end,
// sending end]. The consumer iterates until the producer closes its end.
// Run: node examples/pipe_producer_consumer.js
'use strict';
const { Process, Pipe, isMainProcess } = require('posix-multiprocessing');

function produce(sender) {
  for (let i = 1; i <= 5; i++) sender.sendSync({ job: i, payload: 'x'.repeat(i) });
  sender.close();
}

module.exports = { produce };

if (isMainProcess()) {
  (async () => {
    const [receiver, sender] = Pipe(false);
    const producer = new Process({ target: produce, args: [sender] });
    producer.start();
    sender.close();
    let jobs = 0;
    for await (const message of receiver) {
      jobs++;
      console.log(`consumed job ${message.job} (${message.payload.length} bytes)`);
    }
    console.log(`producer closed the pipe after ${jobs} jobs`);
    receiver.close();
    await producer.join();
  })();
}
