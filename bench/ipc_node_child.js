// Consumer for bench/ipc.js: as a child_process (IPC channel) or a worker
// thread, says ready, counts argv[2] messages, then answers once.
'use strict';
const { parentPort } = require('node:worker_threads');
const n = Number(process.argv[2]);
const port = parentPort ?? process;
const reply = parentPort ? (m) => parentPort.postMessage(m) : (m) => process.send(m);
let seen = 0;
port.on('message', () => {
  if (++seen === n) reply('done');
});
reply('ready');
