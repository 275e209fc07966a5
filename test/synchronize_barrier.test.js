'use strict';
const assert = require('node:assert');
const { Barrier, BrokenBarrierError, Array: SharedArray } = require('..');
const { startChild, exitsCleanly, reapChildren } = require('./helpers/children');
const { until, elapsedSince } = require('./helpers/sync_helpers');
const targets = require('./fixtures/sync_targets');

const { ACTIONS, ZEROES } = targets;
// Spawned children take a while to start (portable): arrivals are awaited this long.
const ARRIVE_MS = 20000;

// A child that waits once and exits 0 if it got BrokenBarrierError.
function startBrokenWaiter(barrier) {
  return startChild(targets.expectBrokenBarrier, barrier);
}

describe('Barrier', function () {
  afterEach(reapChildren);

  it('Barrier(5) keeps 5 processes in lockstep for 20 passes, one index 0 and one action per pass', async function () {
    this.timeout(30000);
    const shared = SharedArray('i', 300); // [ACTIONS], [ARRIVALS + pass], [ZEROES + pass]
    const barrier = new Barrier(5, { action: targets.countBarrierAction });
    const children = [];
    for (let p = 0; p < 5; p++) children.push(startChild(targets.barrierPasses, barrier, shared, 20));
    for (const child of children) await exitsCleanly(child, 25000);
    for (let pass = 0; pass < 20; pass++) assert.strictEqual(shared[ZEROES + pass], 1, `pass ${pass}`);
    assert.strictEqual(shared[ACTIONS], 20);
  });

  it('an async wait() in this process completes a pass with waitSync() in others', async function () {
    const barrier = new Barrier(3);
    const shared = SharedArray('i', 2);
    const children = [0, 1].map((slot) => startChild(targets.barrierWait, barrier, shared, slot));
    const index = await barrier.wait(ARRIVE_MS);
    for (const child of children) await exitsCleanly(child);
    assert.deepStrictEqual([index, shared[0], shared[1]].sort(), [0, 1, 2]);
  });

  it('a wait() that times out breaks the barrier for every waiter; reset() repairs it', async function () {
    const barrier = new Barrier(3);
    const waiter = startBrokenWaiter(barrier);
    await until(() => barrier.nWaiting === 1, ARRIVE_MS, 'the child to arrive');
    const start = process.hrtime.bigint();
    await assert.rejects(barrier.wait(200), BrokenBarrierError);
    const elapsed = elapsedSince(start);
    assert.ok(elapsed >= 190 && elapsed < 2000, `took ${elapsed} ms`);
    await exitsCleanly(waiter);
    assert.strictEqual(barrier.broken, true);
    assert.throws(() => barrier.waitSync(), BrokenBarrierError);
    barrier.reset();
    assert.strictEqual(barrier.broken, false);
    const children = [startChild(targets.barrierWait, barrier), startChild(targets.barrierWait, barrier)];
    await barrier.wait(ARRIVE_MS);
    for (const child of children) await exitsCleanly(child);
  });

  it('abort() makes current and later waiters fail with BrokenBarrierError', async function () {
    const barrier = new Barrier(3);
    const waiter = startBrokenWaiter(barrier);
    await until(() => barrier.nWaiting === 1, ARRIVE_MS, 'the child to arrive');
    barrier.abort();
    await exitsCleanly(waiter);
    assert.strictEqual(barrier.broken, true);
    assert.strictEqual(barrier.nWaiting, 0);
    await assert.rejects(barrier.wait(), BrokenBarrierError);
  });

  it('reset() while a process waits gives it BrokenBarrierError and leaves the barrier usable', async function () {
    const barrier = new Barrier(2);
    const waiter = startBrokenWaiter(barrier);
    await until(() => barrier.nWaiting === 1, ARRIVE_MS, 'the child to arrive');
    barrier.reset();
    await exitsCleanly(waiter);
    assert.strictEqual(barrier.broken, false);
    const child = startChild(targets.barrierWait, barrier);
    await barrier.wait(ARRIVE_MS);
    await exitsCleanly(child);
  });

  it('an action that throws rejects its caller with the error and breaks the barrier for the others', async function () {
    const barrier = new Barrier(2, { action: targets.failingBarrierAction });
    const waiter = startBrokenWaiter(barrier);
    await until(() => barrier.nWaiting === 1, ARRIVE_MS, 'the child to arrive');
    await assert.rejects(barrier.wait(5000), /action failed/); // we arrive last, so we run the action
    await exitsCleanly(waiter);
    assert.strictEqual(barrier.broken, true);
  });

  it('parties and nWaiting describe the barrier', async function () {
    const barrier = new Barrier(4);
    assert.strictEqual(barrier.parties, 4);
    assert.strictEqual(barrier.nWaiting, 0);
    const waiter = startBrokenWaiter(barrier);
    await until(() => barrier.nWaiting === 1, ARRIVE_MS, 'the child to arrive');
    barrier.abort();
    await exitsCleanly(waiter);
  });

  it('parties that are not a positive integer throw ERR_INVALID_ARG_VALUE', function () {
    assert.throws(() => new Barrier(0), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => new Barrier(2.5), { code: 'ERR_INVALID_ARG_VALUE' });
  });
});
