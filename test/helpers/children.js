// Starts test children through Process: with the fork start method under posix
// (as the tests forked the runner itself before), with spawn under portable
// (its only start method). Targets live in test/fixtures/sync_targets.js, so
// that a spawned child can import them.
'use strict';
const { getContext } = require('../..');

const portable = process.env.PMP_BACKEND === 'portable';
const METHOD = portable ? 'spawn' : 'fork';
const started = new Set();

/** Starts `target(...args)` in a child; `reapChildren()` (afterEach) makes sure it is gone. */
function startChild(target, ...args) {
  const child = new (getContext(METHOD).Process)({ target, args });
  child.start();
  started.add(child);
  return child;
}

/** Waits for `child` to end and returns its exitcode; kills it and fails naming its pid after `timeout` ms. */
async function joinChild(child, timeout = 15000, what = 'exit') {
  await child.join(timeout);
  if (child.exitcode === null) {
    child.kill();
    await child.join(5000);
    throw new Error(`child ${child.pid} (${child.name}) did not ${what} within ${timeout} ms (killed)`);
  }
  started.delete(child);
  return child.exitcode;
}

/** Waits for `child` and fails, naming its pid and exit code, unless it exited 0. */
async function exitsCleanly(child, timeout = 15000) {
  const code = await joinChild(child, timeout);
  if (code !== 0) throw new Error(`child ${child.pid} exited with ${code}, not 0 (its stderr says why)`);
}

/** Kills and reaps every child a test left running (a failed test's children). */
async function reapChildren() {
  for (const child of started) {
    if (child.exitcode === null) child.kill();
    await child.join(5000);
    if (child.exitcode === null) throw new Error(`child ${child.pid} survived SIGKILL for 5 s`);
  }
  started.clear();
}

module.exports = { portable, METHOD, startChild, joinChild, exitsCleanly, reapChildren };
