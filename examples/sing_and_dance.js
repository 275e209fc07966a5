// Two things at the same time: one process sings while another dances.
// Run: node examples/sing_and_dance.js
'use strict';
const { Process, isMainProcess } = require('posix-multiprocessing');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function sing(times) {
  for (let i = 1; i <= times; i++) {
    console.log(`singing ${i}`);
    await sleep(200);
  }
}

async function dance(times) {
  for (let i = 1; i <= times; i++) {
    console.log(`dancing ${i}`);
    await sleep(200);
  }
}

module.exports = { sing, dance };

if (isMainProcess()) {
  const started = Date.now();
  const singer = new Process({ target: sing, args: [3] });
  const dancer = new Process({ target: dance, args: [3] });
  singer.start();
  dancer.start();
  Promise.all([singer.join(), dancer.join()]).then(() => {
    console.log(`both done in ${Date.now() - started} ms`);
  });
}
