'use strict';
const assert = require('node:assert');
const { Array: SharedArray } = require('..');
const { Condition, Lock } = require('../dist/synchronize');
const { startChild, exitsCleanly, reapChildren } = require('./helpers/children');
const { sleepSync, until, elapsedSince } = require('./helpers/sync_helpers');
const targets = require('./fixtures/sync_targets');

const { WAITING, WOKEN, TIMED_OUT } = targets;

/** [WAITING, WOKEN, TIMED_OUT] counters and slots 3..7 for the tests, shared with children. */
const sharedCounters = () => SharedArray('i', 8);

// Children that each wait once on `cond` (counting themselves in `shared`).
function startWaiters(cond, shared, count, timeout = 10000) {
  const children = [];
  for (let i = 0; i < count; i++) children.push(startChild(targets.conditionWaiter, cond, shared, timeout));
  return children;
}

// Holding the lock with `n` waiters counted means all n are asleep in wait()
// (spawned children take a while to start: up to 20 s).
function acquireWithWaiters(cond, shared, n) {
  for (let i = 0; i < 4000; i++) {
    cond.acquireSync();
    if (shared[WAITING] >= n) return;
    cond.release();
    sleepSync(5);
  }
  throw new Error(`only ${shared[WAITING]} of ${n} waiters arrived`);
}

describe('Condition', function () {
  afterEach(reapChildren);

  it('notify(2) wakes exactly 2 of 5 waiting processes; notifyAll() wakes the rest', async function () {
    const cond = new Condition();
    const shared = sharedCounters();
    const children = startWaiters(cond, shared, 5);
    acquireWithWaiters(cond, shared, 5);
    cond.notify(2);
    cond.release();
    await until(() => shared[WOKEN] === 2, 5000, '2 waiters to wake');
    await new Promise((r) => setTimeout(r, 300)); // time for a third to wake, wrongly
    assert.strictEqual(shared[WOKEN], 2);
    cond.acquireSync();
    cond.notifyAll();
    cond.release();
    for (const child of children) await exitsCleanly(child);
    assert.strictEqual(shared[WOKEN], 5);
  });

  it('notify() in another process wakes an async wait() and the lock is held again after it', async function () {
    const cond = new Condition();
    const shared = sharedCounters();
    await cond.acquire();
    const child = startChild(targets.storeAndNotify, cond, shared, 5);
    assert.strictEqual(await cond.wait(20000), true);
    assert.strictEqual(shared[5], 1);
    cond.release(); // would throw ERR_LOCK_NOT_OWNED if wait() had not re-acquired it
    await exitsCleanly(child);
  });

  it('wait(timeout) and waitSync(timeout) return false after about the timeout, holding the lock', async function () {
    const cond = new Condition();
    cond.acquireSync();
    let start = process.hrtime.bigint();
    assert.strictEqual(await cond.wait(200), false);
    let elapsed = elapsedSince(start);
    assert.ok(elapsed >= 190 && elapsed < 2000, `async took ${elapsed} ms`);
    start = process.hrtime.bigint();
    assert.strictEqual(cond.waitSync(200), false);
    elapsed = elapsedSince(start);
    assert.ok(elapsed >= 190 && elapsed < 2000, `sync took ${elapsed} ms`);
    cond.release();
  });

  it('a waiter that timed out does not use up a later notify()', async function () {
    const cond = new Condition();
    const shared = sharedCounters();
    const [shortWaiter] = startWaiters(cond, shared, 1, 100);
    acquireWithWaiters(cond, shared, 1);
    cond.release();
    await exitsCleanly(shortWaiter);
    assert.strictEqual(shared[TIMED_OUT], 1, 'the short waiter timed out');
    const [longWaiter] = startWaiters(cond, shared, 1);
    acquireWithWaiters(cond, shared, 2);
    cond.notify(1);
    cond.release();
    await exitsCleanly(longWaiter);
    assert.deepStrictEqual([shared[WOKEN], shared[TIMED_OUT]], [1, 1], 'the long waiter was notified');
  });

  it('waitFor(predicate) resolves once another process makes the predicate true', async function () {
    const cond = new Condition();
    const shared = sharedCounters();
    const child = startChild(targets.countAndNotifyAll, cond, shared, 7);
    await cond.acquire();
    assert.strictEqual(await cond.waitFor(() => shared[7] >= 3, 20000), true);
    cond.release();
    await exitsCleanly(child);
  });

  it('waitFor(predicate, timeout) returns the falsy predicate value after the timeout', async function () {
    const cond = new Condition();
    await cond.acquire();
    assert.strictEqual(await cond.waitFor(() => 0, 100), 0);
    assert.strictEqual(
      cond.waitForSync(() => null, 50),
      null,
    );
    cond.release();
  });

  it('wait() and notify() without holding the lock throw ERR_LOCK_NOT_OWNED', async function () {
    const cond = new Condition();
    await assert.rejects(cond.wait(10), { code: 'ERR_LOCK_NOT_OWNED' });
    assert.throws(() => cond.waitSync(10), { code: 'ERR_LOCK_NOT_OWNED' });
    assert.throws(() => cond.notify(), { code: 'ERR_LOCK_NOT_OWNED' });
    assert.throws(() => cond.notifyAll(), { code: 'ERR_LOCK_NOT_OWNED' });
  });

  it('works over a plain Lock, and wait() releases it for other processes', async function () {
    const lock = new Lock();
    const cond = new Condition(lock);
    const shared = sharedCounters();
    const children = startWaiters(cond, shared, 2);
    acquireWithWaiters(cond, shared, 2);
    cond.notifyAll();
    cond.release();
    for (const child of children) await exitsCleanly(child);
    assert.strictEqual(shared[WOKEN], 2);
  });

  it('an RLock held several levels deep is fully released by wait() and restored after', async function () {
    const cond = new Condition();
    cond.acquireSync();
    cond.acquireSync();
    const child = startChild(targets.acquireNotifyRelease, cond);
    assert.strictEqual(await cond.wait(20000), true);
    cond.release();
    cond.release();
    assert.throws(() => cond.release(), { code: 'ERR_LOCK_NOT_OWNED' });
    await exitsCleanly(child);
  });

  it('a lock that is not a Lock or RLock throws ERR_INVALID_ARG_TYPE', function () {
    assert.throws(() => new Condition({}), { code: 'ERR_INVALID_ARG_TYPE' });
  });
});
