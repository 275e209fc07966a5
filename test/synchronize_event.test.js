'use strict';
const assert = require('node:assert');
const { Event } = require('../dist/synchronize');
const { forkChild, waitExit } = require('./helpers/fork_child');
const { sleepSync, elapsedSince } = require('./helpers/sync_helpers');

describe('Event', function () {
  it('set() in one process wakes an async wait() in another', async function () {
    const event = new Event();
    const pid = forkChild(() => {
      sleepSync(100);
      event.set();
    });
    assert.strictEqual(await event.wait(10000), true);
    assert.strictEqual(event.isSet(), true);
    await waitExit(pid);
  });

  it('set() wakes waitSync() in other processes', async function () {
    const event = new Event();
    const pids = [1, 2, 3].map(() => forkChild(() => (event.waitSync(10000) ? 0 : 1)));
    sleepSync(50);
    event.set();
    for (const pid of pids) assert.strictEqual((await waitExit(pid)).exitCode, 0);
  });

  it('wait() on a set Event resolves true at once', async function () {
    const event = new Event();
    event.set();
    const start = process.hrtime.bigint();
    assert.strictEqual(await event.wait(), true);
    assert.strictEqual(event.waitSync(0), true);
    assert.ok(elapsedSince(start) < 100);
  });

  it('wait(timeout) and waitSync(timeout) return false after about the timeout', async function () {
    const event = new Event();
    let start = process.hrtime.bigint();
    assert.strictEqual(await event.wait(200), false);
    let elapsed = elapsedSince(start);
    assert.ok(elapsed >= 190 && elapsed < 2000, `async took ${elapsed} ms`);
    start = process.hrtime.bigint();
    assert.strictEqual(event.waitSync(200), false);
    elapsed = elapsedSince(start);
    assert.ok(elapsed >= 190 && elapsed < 2000, `sync took ${elapsed} ms`);
  });

  it('clear() in another process resets the flag', async function () {
    const event = new Event();
    event.set();
    const pid = forkChild(() => event.clear());
    await waitExit(pid);
    assert.strictEqual(event.isSet(), false);
  });

  it('a wait() that was pending while the Event was set and cleared again resolves true', async function () {
    const event = new Event();
    const pending = event.wait(5000);
    const pid = forkChild(() => {
      event.set();
      event.clear();
    });
    // Reap synchronously: the parent's loop only looks after the clear().
    assert.strictEqual(require('..').posix.waitpid(pid).exitCode, 0);
    assert.strictEqual(event.isSet(), false);
    assert.strictEqual(await pending, true);
  });
});
