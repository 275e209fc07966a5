// Forks the test runner itself and runs `body` in the child, which always ends
// in posix.exit (never back into mocha). Returns the child's pid; the parent
// must reap it (waitExit).
'use strict';
const fs = require('node:fs');
const { posix } = require('../..');
const { waitForExit } = require('../../dist/wait/child_watch');

function forkChild(body) {
  const pid = posix.fork();
  if (pid !== 0) return pid;
  let code = 0;
  try {
    const result = body();
    if (typeof result === 'number') code = result;
  } catch (err) {
    fs.writeSync(2, `child ${process.pid} failed: ${err && err.stack}\n`);
    code = 99;
  }
  return posix.exit(code);
}

/** Reaps `pid` asynchronously; fails loudly if it has not ended within `timeout` ms. */
async function waitExit(pid, timeout = 10000) {
  let timer;
  const deadline = new Promise((_, reject) => {
    timer = setTimeout(() => {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      reject(new Error(`child ${pid} did not exit within ${timeout} ms (killed)`));
    }, timeout);
  });
  try {
    return await Promise.race([waitForExit(pid), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

module.exports = { forkChild, waitExit };
