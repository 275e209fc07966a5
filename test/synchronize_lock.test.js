'use strict';
const assert = require('node:assert');
const { posix } = require('..');
const { Lock, RLock, Event } = require('../dist/synchronize');
const { forkChild, waitExit } = require('./helpers/fork_child');
const { sharedInts, sleepSync, elapsedSince } = require('./helpers/sync_helpers');

// A child that takes `lock`, says so through `held`, and keeps it until killed.
function forkHolder(lock, held, { hold = 60000 } = {}) {
  return forkChild(() => {
    lock.acquireSync();
    held.set();
    sleepSync(hold);
    lock.release();
  });
}

describe('Lock', function () {
  it('4 processes x 100,000 increments under a Lock lose no update', async function () {
    this.timeout(60000);
    const lock = new Lock();
    const counter = sharedInts();
    const pids = [];
    for (let p = 0; p < 4; p++) {
      pids.push(
        forkChild(() => {
          for (let i = 0; i < 100000; i++) {
            lock.acquireSync();
            counter[0] = counter[0] + 1; // a plain read-modify-write: only the lock makes it safe
            lock.release();
          }
        }),
      );
    }
    for (const pid of pids) assert.strictEqual((await waitExit(pid, 50000)).exitCode, 0);
    assert.strictEqual(counter[0], 400000);
  });

  it('async acquires in this process and sync acquires in 2 children exclude each other', async function () {
    this.timeout(30000);
    const lock = new Lock();
    const counter = sharedInts();
    const pids = [0, 1].map(() =>
      forkChild(() => {
        for (let i = 0; i < 20000; i++) {
          lock.acquireSync();
          counter[0] = counter[0] + 1;
          lock.release();
        }
      }),
    );
    for (let i = 0; i < 3000; i++) {
      await lock.withLock(() => {
        const seen = counter[0];
        counter[1] = seen; // a read-modify-write spread over two statements
        counter[0] = counter[1] + 1;
      });
    }
    for (const pid of pids) assert.strictEqual((await waitExit(pid, 25000)).exitCode, 0);
    assert.strictEqual(counter[0], 43000);
  });

  it('acquire({ block: false }) on a Lock held by another process returns false at once', async function () {
    const lock = new Lock();
    const held = new Event();
    const pid = forkHolder(lock, held);
    try {
      assert.ok(held.waitSync(5000));
      const start = process.hrtime.bigint();
      assert.strictEqual(await lock.acquire({ block: false }), false);
      assert.strictEqual(lock.acquireSync({ block: false }), false);
      assert.ok(elapsedSince(start) < 100);
    } finally {
      posix.kill(pid, 'SIGKILL');
      await waitExit(pid);
    }
  });

  it('acquireSync({ timeout }) returns false after about the timeout', async function () {
    const lock = new Lock();
    const held = new Event();
    const pid = forkHolder(lock, held);
    try {
      assert.ok(held.waitSync(5000));
      const start = process.hrtime.bigint();
      assert.strictEqual(lock.acquireSync({ timeout: 250 }), false);
      const elapsed = elapsedSince(start);
      assert.ok(elapsed >= 240 && elapsed < 2000, `took ${elapsed} ms`);
    } finally {
      posix.kill(pid, 'SIGKILL');
      await waitExit(pid);
    }
  });

  it('acquire({ timeout }) resolves false after about the timeout', async function () {
    const lock = new Lock();
    const held = new Event();
    const pid = forkHolder(lock, held);
    try {
      assert.ok(held.waitSync(5000));
      const start = process.hrtime.bigint();
      assert.strictEqual(await lock.acquire({ timeout: 250 }), false);
      const elapsed = elapsedSince(start);
      assert.ok(elapsed >= 240 && elapsed < 2000, `took ${elapsed} ms`);
    } finally {
      posix.kill(pid, 'SIGKILL');
      await waitExit(pid);
    }
  });

  it('acquire() resolves once the holding process releases', async function () {
    const lock = new Lock();
    const held = new Event();
    const pid = forkHolder(lock, held, { hold: 200 });
    assert.ok(held.waitSync(5000));
    assert.strictEqual(lock.acquireSync({ block: false }), false);
    assert.strictEqual(await lock.acquire({ timeout: 10000 }), true);
    assert.strictEqual(lock.ownerDied, false);
    lock.release();
    assert.strictEqual((await waitExit(pid)).exitCode, 0);
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
    const pid = forkChild(() => lock.release());
    assert.strictEqual((await waitExit(pid)).exitCode, 0);
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
    const pid = forkHolder(lock, held);
    assert.ok(held.waitSync(5000));
    posix.kill(pid, 'SIGKILL'); // not reaped yet: a zombie also counts as dead
    const start = process.hrtime.bigint();
    assert.strictEqual(await lock.acquire({ timeout: 5000 }), true);
    assert.ok(elapsedSince(start) < 2000, `took ${elapsedSince(start)} ms`);
    assert.strictEqual(lock.ownerDied, true);
    lock.release();
    assert.strictEqual(lock.acquireSync({ block: false }), true);
    assert.strictEqual(lock.ownerDied, false, 'a normal acquire clears ownerDied');
    lock.release();
    assert.strictEqual((await waitExit(pid)).signal, 9);
  });

  it('acquire({ block: false }) takes over a Lock whose holder was killed, with ownerDied', async function () {
    const lock = new Lock();
    const held = new Event();
    const pid = forkHolder(lock, held);
    assert.ok(held.waitSync(5000));
    posix.kill(pid, 'SIGKILL');
    await waitExit(pid);
    assert.strictEqual(await lock.acquire({ block: false }), true);
    assert.strictEqual(lock.ownerDied, true);
    lock.release();
  });

  it('a holder killed with SIGKILL does not wedge acquireSync() either', async function () {
    const lock = new Lock();
    const held = new Event();
    const pid = forkHolder(lock, held);
    assert.ok(held.waitSync(5000));
    posix.kill(pid, 'SIGKILL');
    await waitExit(pid);
    assert.strictEqual(lock.acquireSync({ timeout: 5000 }), true);
    assert.strictEqual(lock.ownerDied, true);
    lock.release();
  });

  it('an AbortSignal rejects a pending acquire() with an AbortError and leaves the Lock usable', async function () {
    const lock = new Lock();
    const held = new Event();
    const pid = forkHolder(lock, held, { hold: 300 });
    assert.ok(held.waitSync(5000));
    const controller = new AbortController();
    const pending = lock.acquire({ signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(pending, { name: 'AbortError', code: 'ABORT_ERR' });
    assert.strictEqual(await lock.acquire({ timeout: 10000 }), true);
    lock.release();
    assert.strictEqual((await waitExit(pid)).exitCode, 0);
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
    const busy = forkChild(() => (lock.acquireSync({ block: false }) ? 1 : 0));
    assert.strictEqual((await waitExit(busy)).exitCode, 0, 'still held after 2 of 3 releases');
    lock.release();
    const free = forkChild(() => (lock.acquireSync({ block: false }) ? 0 : 1));
    assert.strictEqual((await waitExit(free)).exitCode, 0, 'free after the third release');
  });

  it('release() by a process that does not own it throws ERR_LOCK_NOT_OWNED', async function () {
    const lock = new RLock();
    assert.throws(() => lock.release(), { code: 'ERR_LOCK_NOT_OWNED' });
    lock.acquireSync();
    const pid = forkChild(() => {
      try {
        lock.release();
        return 1;
      } catch (err) {
        return err.code === 'ERR_LOCK_NOT_OWNED' ? 0 : 2;
      }
    });
    assert.strictEqual((await waitExit(pid)).exitCode, 0);
    lock.release();
  });

  it('an owner killed while holding it several levels deep leaves it to the next acquirer, with ownerDied', async function () {
    const lock = new RLock();
    const held = new Event();
    const pid = forkChild(() => {
      lock.acquireSync();
      lock.acquireSync();
      held.set();
      sleepSync(60000);
    });
    assert.ok(held.waitSync(5000));
    posix.kill(pid, 'SIGKILL');
    assert.strictEqual(await lock.acquire({ timeout: 5000 }), true);
    assert.strictEqual(lock.ownerDied, true);
    lock.release(); // one level: the dead owner's depth is not inherited
    const free = forkChild(() => (lock.acquireSync({ block: false }) ? 0 : 1));
    assert.strictEqual((await waitExit(free)).exitCode, 0);
    await waitExit(pid);
  });
});
