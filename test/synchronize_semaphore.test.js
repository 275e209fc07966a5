'use strict';
const assert = require('node:assert');
const { Array: SharedArray } = require('..');
const { Semaphore, BoundedSemaphore, Barrier, Event } = require('../dist/synchronize');
const { startChild, joinChild, exitsCleanly, reapChildren } = require('./helpers/children');
const { elapsedSince } = require('./helpers/sync_helpers');
const targets = require('./fixtures/sync_targets');

describe('Semaphore', function () {
  afterEach(reapChildren);

  it('Semaphore(2) lets at most 2 of 6 processes in at a time', async function () {
    this.timeout(30000);
    const sem = new Semaphore(2);
    const shared = SharedArray('i', 3); // [0] inside now, [1] most ever inside, [2] entries
    const children = [];
    const start = new Barrier(6);
    for (let p = 0; p < 6; p++) children.push(startChild(targets.semaphoreRounds, sem, shared, 50, start));
    for (const child of children) await exitsCleanly(child, 25000);
    assert.strictEqual(shared[2], 300);
    assert.strictEqual(shared[1], 2);
    assert.strictEqual(sem.getValue(), 2);
  });

  it('getValue() follows acquires and releases made by other processes', async function () {
    const sem = new Semaphore(3);
    await exitsCleanly(startChild(targets.acquireTimes, sem, 2));
    assert.strictEqual(sem.getValue(), 1);
    sem.release();
    assert.strictEqual(sem.getValue(), 2);
  });

  it('acquire() resolves when another process releases', async function () {
    const sem = new Semaphore(0);
    const child = startChild(targets.callAfter, 100, sem, 'release');
    assert.strictEqual(await sem.acquire({ timeout: 10000 }), true);
    assert.strictEqual(sem.getValue(), 0);
    await exitsCleanly(child);
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
    const child = startChild(targets.callAfter, 0, sem, 'release');
    assert.strictEqual(await waiting, true);
    assert.strictEqual(sem.getValue(), 0);
    await exitsCleanly(child);
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
    await exitsCleanly(startChild(targets.releaseThenRefused, sem, 'ERR_SEMAPHORE_OVER_RELEASED'));
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
    const holder = startChild(targets.holdUnit, sem, took);
    assert.ok(took.waitSync(5000));
    holder.kill();
    await joinChild(holder);
    assert.strictEqual(sem.getValue(), 0);
    assert.strictEqual(await sem.acquire({ timeout: 150 }), false);
  });
});
