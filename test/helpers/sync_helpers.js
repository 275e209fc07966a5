// Small tools for the synchronisation tests: shared counters and sleeping in a
// forked child without the event loop.
'use strict';
const { SyncPage } = require('../../dist/internal/sync_page');

/** 1,024 Int32 slots in anonymous shared memory, inherited by forked children. */
function sharedInts() {
  return SyncPage.create().words;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms) {
  Atomics.wait(sleeper, 0, 0, ms);
}

/** Polls `predicate` every 5 ms; fails loudly after `timeout` ms. */
async function until(predicate, timeout, what) {
  const deadline = Date.now() + timeout;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function elapsedSince(start) {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

module.exports = { sharedInts, sleepSync, until, elapsedSince };
