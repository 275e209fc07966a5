'use strict';
const assert = require('node:assert');
const { Condition, Lock } = require('../dist/synchronize');
const { forkChild, waitExit } = require('./helpers/fork_child');
const { sharedInts, sleepSync, until, elapsedSince } = require('./helpers/sync_helpers');

const WAITING = 0;
const WOKEN = 1;

// Children that each wait once on `cond` (counting themselves in `shared`).
function forkWaiters(cond, shared, count, timeout = 10000) {
  const pids = [];
  for (let i = 0; i < count; i++) {
    pids.push(
      forkChild(() => {
        cond.acquireSync();
        Atomics.add(shared, WAITING, 1);
        const notified = cond.waitSync(timeout);
        Atomics.add(shared, WOKEN, 1);
        cond.release();
        return notified ? 0 : 1;
      }),
    );
  }
  return pids;
}

// Holding the lock with `n` waiters counted means all n are asleep in wait().
function acquireWithWaiters(cond, shared, n) {
  for (let i = 0; i < 1000; i++) {
    cond.acquireSync();
    if (Atomics.load(shared, WAITING) >= n) return;
    cond.release();
    sleepSync(5);
  }
  throw new Error(`only ${Atomics.load(shared, WAITING)} of ${n} waiters arrived`);
}

describe('Condition', function () {
  it('notify(2) wakes exactly 2 of 5 waiting processes; notifyAll() wakes the rest', async function () {
    const cond = new Condition();
    const shared = sharedInts();
    const pids = forkWaiters(cond, shared, 5);
    acquireWithWaiters(cond, shared, 5);
    cond.notify(2);
    cond.release();
    await until(() => Atomics.load(shared, WOKEN) === 2, 5000, '2 waiters to wake');
    await new Promise((r) => setTimeout(r, 300)); // time for a third to wake, wrongly
    assert.strictEqual(Atomics.load(shared, WOKEN), 2);
    cond.acquireSync();
    cond.notifyAll();
    cond.release();
    for (const pid of pids) assert.strictEqual((await waitExit(pid)).exitCode, 0);
    assert.strictEqual(Atomics.load(shared, WOKEN), 5);
  });

  it('notify() in another process wakes an async wait() and the lock is held again after it', async function () {
    const cond = new Condition();
    const shared = sharedInts();
    await cond.acquire();
    const pid = forkChild(() => {
      cond.acquireSync();
      Atomics.store(shared, 5, 1);
      cond.notify();
      cond.release();
    });
    assert.strictEqual(await cond.wait(10000), true);
    assert.strictEqual(Atomics.load(shared, 5), 1);
    cond.release(); // would throw ERR_LOCK_NOT_OWNED if wait() had not re-acquired it
    await waitExit(pid);
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
    const shared = sharedInts();
    const [shortWaiter] = forkWaiters(cond, shared, 1, 100);
    acquireWithWaiters(cond, shared, 1);
    cond.release();
    assert.strictEqual((await waitExit(shortWaiter)).exitCode, 1, 'the short waiter timed out');
    const [longWaiter] = forkWaiters(cond, shared, 1);
    acquireWithWaiters(cond, shared, 2);
    cond.notify(1);
    cond.release();
    assert.strictEqual((await waitExit(longWaiter)).exitCode, 0);
  });

  it('waitFor(predicate) resolves once another process makes the predicate true', async function () {
    const cond = new Condition();
    const shared = sharedInts();
    const pid = forkChild(() => {
      for (let i = 0; i < 3; i++) {
        sleepSync(20);
        cond.acquireSync();
        Atomics.add(shared, 7, 1);
        cond.notifyAll();
        cond.release();
      }
    });
    await cond.acquire();
    assert.strictEqual(await cond.waitFor(() => Atomics.load(shared, 7) >= 3, 10000), true);
    cond.release();
    await waitExit(pid);
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
    const shared = sharedInts();
    const pids = forkWaiters(cond, shared, 2);
    acquireWithWaiters(cond, shared, 2);
    cond.notifyAll();
    cond.release();
    for (const pid of pids) assert.strictEqual((await waitExit(pid)).exitCode, 0);
  });

  it('an RLock held several levels deep is fully released by wait() and restored after', async function () {
    const cond = new Condition();
    cond.acquireSync();
    cond.acquireSync();
    const pid = forkChild(() => {
      if (!cond.acquireSync({ timeout: 5000 })) return 1;
      cond.notify();
      cond.release();
      return 0;
    });
    assert.strictEqual(await cond.wait(10000), true);
    cond.release();
    cond.release();
    assert.throws(() => cond.release(), { code: 'ERR_LOCK_NOT_OWNED' });
    assert.strictEqual((await waitExit(pid)).exitCode, 0);
  });

  it('a lock that is not a Lock or RLock throws ERR_INVALID_ARG_TYPE', function () {
    assert.throws(() => new Condition({}), { code: 'ERR_INVALID_ARG_TYPE' });
  });
});
