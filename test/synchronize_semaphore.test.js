'use strict';
const assert = require('node:assert');
const { posix } = require('..');
const { Semaphore, BoundedSemaphore, Event } = require('../dist/synchronize');
const { forkChild, waitExit } = require('./helpers/fork_child');
const { sharedInts, sleepSync, elapsedSince } = require('./helpers/sync_helpers');

describe('Semaphore', function () {
  it('Semaphore(2) lets at most 2 of 6 processes in at a time', async function () {
    this.timeout(30000);
    const sem = new Semaphore(2);
    const shared = sharedInts(); // [0] inside now, [1] most ever inside, [2] entries
    const pids = [];
    for (let p = 0; p < 6; p++) {
      pids.push(
        forkChild(() => {
          for (let i = 0; i < 50; i++) {
            sem.acquireSync();
            const inside = Atomics.add(shared, 0, 1) + 1;
            for (let most = Atomics.load(shared, 1); inside > most; most = Atomics.load(shared, 1)) {
              Atomics.compareExchange(shared, 1, most, inside);
            }
            Atomics.add(shared, 2, 1);
            sleepSync(1);
            Atomics.sub(shared, 0, 1);
            sem.release();
          }
        }),
      );
    }
    for (const pid of pids) assert.strictEqual((await waitExit(pid, 25000)).exitCode, 0);
    assert.strictEqual(shared[2], 300);
    assert.strictEqual(shared[1], 2);
    assert.strictEqual(sem.getValue(), 2);
  });

  it('getValue() follows acquires and releases made by other processes', async function () {
    const sem = new Semaphore(3);
    const pid = forkChild(() => {
      sem.acquireSync();
      sem.acquireSync();
    });
    await waitExit(pid);
    assert.strictEqual(sem.getValue(), 1);
    sem.release();
    assert.strictEqual(sem.getValue(), 2);
  });

  it('acquire() resolves when another process releases', async function () {
    const sem = new Semaphore(0);
    const pid = forkChild(() => {
      sleepSync(100);
      sem.release();
    });
    assert.strictEqual(await sem.acquire({ timeout: 10000 }), true);
    assert.strictEqual(sem.getValue(), 0);
    await waitExit(pid);
  });

  it('acquire({ block: false }) at zero returns false at once', async function () {
    const sem = new Semaphore(0);
    assert.strictEqual(sem.acquireSync({ block: false }), false);
    assert.strictEqual(await sem.acquire({ block: false }), false);
  });

  it('acquire({ timeout }) and acquireSync({ timeout }) at zero return false after about the timeout', async function () {
    const sem = new Semaphore(0);
    let start = process.hrtime.bigint();
    assert.strictEqual(sem.acquireSync({ timeout: 200 }), false);
    let elapsed = elapsedSince(start);
    assert.ok(elapsed >= 190 && elapsed < 2000, `sync took ${elapsed} ms`);
    start = process.hrtime.bigint();
    assert.strictEqual(await sem.acquire({ timeout: 200 }), false);
    elapsed = elapsedSince(start);
    assert.ok(elapsed >= 190 && elapsed < 2000, `async took ${elapsed} ms`);
  });

  it('an AbortSignal rejects a pending acquire() and a later release still reaches the next waiter', async function () {
    const sem = new Semaphore(0);
    const controller = new AbortController();
    const aborted = sem.acquire({ signal: controller.signal });
    const waiting = sem.acquire({ timeout: 10000 });
    controller.abort();
    await assert.rejects(aborted, { name: 'AbortError' });
    const pid = forkChild(() => sem.release());
    assert.strictEqual(await waiting, true);
    assert.strictEqual(sem.getValue(), 0);
    await waitExit(pid);
  });

  it('a plain Semaphore may be released above its initial value', function () {
    const sem = new Semaphore(1);
    sem.release();
    assert.strictEqual(sem.getValue(), 2);
  });

  it('BoundedSemaphore.release() above the initial value throws ERR_SEMAPHORE_OVER_RELEASED', async function () {
    const sem = new BoundedSemaphore(2);
    assert.throws(() => sem.release(), { code: 'ERR_SEMAPHORE_OVER_RELEASED' });
    sem.acquireSync();
    const pid = forkChild(() => {
      sem.release();
      try {
        sem.release();
        return 1;
      } catch (err) {
        return err.code === 'ERR_SEMAPHORE_OVER_RELEASED' ? 0 : 2;
      }
    });
    assert.strictEqual((await waitExit(pid)).exitCode, 0);
    assert.strictEqual(sem.getValue(), 2);
  });

  it('a negative or fractional initial value throws ERR_INVALID_ARG_VALUE', function () {
    assert.throws(() => new Semaphore(-1), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => new BoundedSemaphore(1.5), { code: 'ERR_INVALID_ARG_VALUE' });
  });

  it('withLock() returns the unit even when the function throws', async function () {
    const sem = new Semaphore(1);
    await assert.rejects(
      sem.withLock(() => {
        throw new Error('inside');
      }),
      /inside/,
    );
    assert.strictEqual(sem.getValue(), 1);
  });

  it('a unit taken by a process that dies is not returned (as in Python)', async function () {
    const sem = new Semaphore(1);
    const took = new Event();
    const pid = forkChild(() => {
      sem.acquireSync();
      took.set();
      sleepSync(60000);
    });
    assert.ok(took.waitSync(5000));
    posix.kill(pid, 'SIGKILL');
    await waitExit(pid);
    assert.strictEqual(sem.getValue(), 0);
    assert.strictEqual(await sem.acquire({ timeout: 150 }), false);
  });
});
