'use strict';
const assert = require('node:assert');
const { Event } = require('../dist/synchronize');
const { startChild, exitsCleanly, reapChildren } = require('./helpers/children');
const { sleepSync, elapsedSince } = require('./helpers/sync_helpers');
const targets = require('./fixtures/sync_targets');

describe('Event', function () {
  afterEach(reapChildren);

  it('set() in one process wakes an async wait() in another', async function () {
    const event = new Event();
    const child = startChild(targets.callAfter, 100, event, 'set');
    assert.strictEqual(await event.wait(10000), true);
    assert.strictEqual(event.isSet(), true);
    await exitsCleanly(child);
  });

  it('set() wakes waitSync() in other processes', async function () {
    const event = new Event();
    const children = [1, 2, 3].map(() => startChild(targets.expectEventSet, event, 10000));
    sleepSync(50);
    event.set();
    for (const child of children) await exitsCleanly(child);
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
    await exitsCleanly(startChild(targets.callAfter, 0, event, 'clear'));
    assert.strictEqual(event.isSet(), false);
  });

  it('a wait() that was pending while the Event was set and cleared again resolves true', async function () {
    const event = new Event();
    const pending = event.wait(5000);
    const child = startChild(targets.setThenClear, event);
    // Join synchronously: the parent's loop only looks after the clear().
    child.joinSync(10000);
    assert.strictEqual(child.exitcode, 0, `child ${child.pid} ended with ${child.exitcode}`);
    assert.strictEqual(event.isSet(), false);
    assert.strictEqual(await pending, true);
  });
});
