'use strict';
const assert = require('node:assert');
const { RawArray } = require('..');
const { Lock, RLock, Event } = require('../dist/synchronize');
const { portable, startChild, joinChild, exitsCleanly, reapChildren } = require('./helpers/children');
const { elapsedSince } = require('./helpers/sync_helpers');
const targets = require('./fixtures/sync_targets');

// Each acquire is a round trip to the broker under portable: fewer rounds there.
const ROUNDS = portable ? 2000 : 100000;
const ASYNC_ROUNDS = portable ? 1000 : 20000;
const count = (n) => n.toLocaleString('en-US');

// A child that takes `lock`, says so through `held`, and keeps it (until killed, by default).
function startHolder(lock, held, { hold = 60000 } = {}) {
  return startChild(targets.holdLock, lock, held, hold);
}

afterEach(reapChildren);

describe('Lock', function () {
  it(`4 processes x ${count(ROUNDS)} increments under a Lock lose no update`, async function () {
    this.timeout(60000);
    const lock = new Lock();
    const counter = RawArray('i', 2);
    const children = [];
    for (let p = 0; p < 4; p++) children.push(startChild(targets.incrementUnder, lock, counter, ROUNDS));
    for (const child of children) await exitsCleanly(child, 50000);
    assert.strictEqual(counter[0], 4 * ROUNDS);
  });

  it('async acquires in this process and sync acquires in 2 children exclude each other', async function () {
    this.timeout(30000);
    const lock = new Lock();
    const counter = RawArray('i', 2);
    const children = [0, 1].map(() => startChild(targets.incrementUnder, lock, counter, ASYNC_ROUNDS));
    for (let i = 0; i < 3000; i++) {
      await lock.withLock(() => {
        const seen = counter[0];
        counter[1] = seen; // a read-modify-write spread over two statements
        counter[0] = counter[1] + 1;
      });
    }
    for (const child of children) await exitsCleanly(child, 25000);
    assert.strictEqual(counter[0], 2 * ASYNC_ROUNDS + 3000);
  });

  it('acquire({ block: false }) on a Lock held by another process returns false at once', async function () {
    const lock = new Lock();
    const held = new Event();
    const holder = startHolder(lock, held);
    try {
      assert.ok(held.waitSync(5000));
      const start = process.hrtime.bigint();
      assert.strictEqual(await lock.acquire({ block: false }), false);
      assert.strictEqual(lock.acquireSync({ block: false }), false);
      assert.ok(elapsedSince(start) < 100);
    } finally {
      holder.kill();
      await joinChild(holder);
    }
  });

  it('acquireSync({ timeout }) returns false after about the timeout', async function () {
    const lock = new Lock();
    const held = new Event();
    const holder = startHolder(lock, held);
    try {
      assert.ok(held.waitSync(5000));
      const start = process.hrtime.bigint();
      assert.strictEqual(lock.acquireSync({ timeout: 250 }), false);
      const elapsed = elapsedSince(start);
      assert.ok(elapsed >= 240 && elapsed < 2000, `took ${elapsed} ms`);
    } finally {
      holder.kill();
      await joinChild(holder);
    }
  });

  it('acquire({ timeout }) resolves false after about the timeout', async function () {
    const lock = new Lock();
    const held = new Event();
    const holder = startHolder(lock, held);
    try {
      assert.ok(held.waitSync(5000));
      const start = process.hrtime.bigint();
      assert.strictEqual(await lock.acquire({ timeout: 250 }), false);
      const elapsed = elapsedSince(start);
      assert.ok(elapsed >= 240 && elapsed < 2000, `took ${elapsed} ms`);
    } finally {
      holder.kill();
      await joinChild(holder);
    }
  });

  it('acquire() resolves once the holding process releases', async function () {
    const lock = new Lock();
    const held = new Event();
    const holder = startHolder(lock, held, { hold: 200 });
    assert.ok(held.waitSync(5000));
    assert.strictEqual(lock.acquireSync({ block: false }), false);
    assert.strictEqual(await lock.acquire({ timeout: 10000 }), true);
    assert.strictEqual(lock.ownerDied, false);
    lock.release();
    await exitsCleanly(holder);
  });

  it('release() of a Lock that is not held throws ERR_LOCK_NOT_OWNED', function () {
    const lock = new Lock();
    assert.throws(() => lock.release(), { code: 'ERR_LOCK_NOT_OWNED' });
    lock.acquireSync();
    lock.release();
    assert.throws(() => lock.release(), { code: 'ERR_LOCK_NOT_OWNED' });
  });

  it('another process may release a held Lock, as in Python', async function () {
    const lock = new Lock();
    lock.acquireSync();
    await exitsCleanly(startChild(targets.callAfter, 0, lock, 'release'));
    assert.strictEqual(lock.acquireSync({ block: false }), true);
    lock.release();
  });

  it('once another process released it, release() by the first holder throws ERR_LOCK_NOT_OWNED', async function () {
    const lock = new Lock();
    lock.acquireSync();
    await exitsCleanly(startChild(targets.callAfter, 0, lock, 'release'));
    assert.throws(() => lock.release(), { code: 'ERR_LOCK_NOT_OWNED' });
    assert.strictEqual(lock.acquireSync({ block: false }), true);
    lock.release();
  });

  it('withLock() runs the function holding the lock and releases it when the function throws', async function () {
    const lock = new Lock();
    assert.strictEqual(await lock.withLock(() => lock.acquireSync({ block: false })), false);
    await assert.rejects(
      lock.withLock(async () => {
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.strictEqual(lock.acquireSync({ block: false }), true);
    lock.release();
  });

  it('a holder killed with SIGKILL does not wedge the Lock: the next acquire() gets it and reports ownerDied', async function () {
    const lock = new Lock();
    const held = new Event();
    const holder = startHolder(lock, held);
    assert.ok(held.waitSync(5000));
    holder.kill(); // not reaped yet: a zombie also counts as dead
    const start = process.hrtime.bigint();
    assert.strictEqual(await lock.acquire({ timeout: 5000 }), true);
    assert.ok(elapsedSince(start) < 2000, `took ${elapsedSince(start)} ms`);
    assert.strictEqual(lock.ownerDied, true);
    lock.release();
    assert.strictEqual(lock.acquireSync({ block: false }), true);
    assert.strictEqual(lock.ownerDied, false, 'a normal acquire clears ownerDied');
    lock.release();
    assert.strictEqual(await joinChild(holder), -9);
  });

  it('acquire({ block: false }) takes over a Lock whose holder was killed, with ownerDied', async function () {
    const lock = new Lock();
    const held = new Event();
    const holder = startHolder(lock, held);
    assert.ok(held.waitSync(5000));
    holder.kill();
    await joinChild(holder);
    assert.strictEqual(await lock.acquire({ block: false }), true);
    assert.strictEqual(lock.ownerDied, true);
    lock.release();
  });

  it('a holder killed with SIGKILL does not wedge acquireSync() either', async function () {
    const lock = new Lock();
    const held = new Event();
    const holder = startHolder(lock, held);
    assert.ok(held.waitSync(5000));
    holder.kill();
    await joinChild(holder);
    assert.strictEqual(lock.acquireSync({ timeout: 5000 }), true);
    assert.strictEqual(lock.ownerDied, true);
    lock.release();
  });

  it('an AbortSignal rejects a pending acquire() with an AbortError and leaves the Lock usable', async function () {
    const lock = new Lock();
    const held = new Event();
    const holder = startHolder(lock, held, { hold: 300 });
    assert.ok(held.waitSync(5000));
    const controller = new AbortController();
    const pending = lock.acquire({ signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(pending, { name: 'AbortError', code: 'ABORT_ERR' });
    assert.strictEqual(await lock.acquire({ timeout: 10000 }), true);
    lock.release();
    await exitsCleanly(holder);
  });

  it('an already aborted signal rejects acquire() at once, even on a free Lock', async function () {
    const lock = new Lock();
    await assert.rejects(lock.acquire({ signal: AbortSignal.abort() }), { name: 'AbortError' });
    assert.strictEqual(lock.acquireSync({ block: false }), true);
    lock.release();
  });

  it('a timeout that is not a number throws ERR_INVALID_ARG_TYPE', async function () {
    const lock = new Lock();
    lock.acquireSync();
    assert.throws(() => lock.acquireSync({ timeout: '10' }), { code: 'ERR_INVALID_ARG_TYPE' });
    await assert.rejects(lock.acquire({ timeout: 'soon' }), { code: 'ERR_INVALID_ARG_TYPE' });
    lock.release();
  });

  it('async acquires in one process queue up and each gets the lock in turn', async function () {
    const lock = new Lock();
    const order = [];
    await Promise.all(
      [1, 2, 3].map((n) =>
        lock.withLock(async () => {
          order.push(`in${n}`);
          await new Promise((r) => setTimeout(r, 5));
          order.push(`out${n}`);
        }),
      ),
    );
    for (let i = 0; i < order.length; i += 2) assert.strictEqual(order[i].slice(2), order[i + 1].slice(3));
  });
});

describe('inspecting primitives', function () {
  it("util.inspect() shows the state like Python's repr", function () {
    const { inspect } = require('node:util');
    const { Semaphore, Barrier } = require('..');
    const lock = new RLock();
    assert.strictEqual(inspect(lock), '<RLock(owner=None)>');
    lock.acquireSync();
    lock.acquireSync();
    assert.strictEqual(inspect(lock), `<RLock(owner=${process.pid}, count=2)>`);
    lock.release();
    lock.release();
    assert.strictEqual(inspect(new Semaphore(2)), '<Semaphore(value=2)>');
    assert.strictEqual(inspect(new Event()), '<Event(unset)>');
    assert.strictEqual(inspect(new Barrier(3)), '<Barrier(parties=3, nWaiting=0, broken=false)>');
  });
});

describe('RLock', function () {
  it('the owning process can acquire it again; it is free after as many releases', async function () {
    const lock = new RLock();
    assert.ok(lock.acquireSync());
    assert.ok(await lock.acquire());
    assert.ok(lock.acquireSync({ block: false }));
    lock.release();
    lock.release();
    await exitsCleanly(startChild(targets.expectTryAcquire, lock, false)); // still held after 2 of 3 releases
    lock.release();
    await exitsCleanly(startChild(targets.expectTryAcquire, lock, true)); // free after the third release
  });

  it('release() by a process that does not own it throws ERR_LOCK_NOT_OWNED', async function () {
    const lock = new RLock();
    assert.throws(() => lock.release(), { code: 'ERR_LOCK_NOT_OWNED' });
    lock.acquireSync();
    await exitsCleanly(startChild(targets.expectReleaseRefused, lock, 'ERR_LOCK_NOT_OWNED'));
    lock.release();
  });

  it('an owner killed while holding it several levels deep leaves it to the next acquirer, with ownerDied', async function () {
    const lock = new RLock();
    const held = new Event();
    const holder = startChild(targets.holdLock, lock, held, 60000, 2);
    assert.ok(held.waitSync(5000));
    holder.kill();
    assert.strictEqual(await lock.acquire({ timeout: 5000 }), true);
    assert.strictEqual(lock.ownerDied, true);
    lock.release(); // one level: the dead owner's depth is not inherited
    await exitsCleanly(startChild(targets.expectTryAcquire, lock, true));
    await joinChild(holder);
  });
});
