'use strict';
const assert = require('node:assert');
const { Barrier, BrokenBarrierError } = require('..');
const { forkChild, waitExit } = require('./helpers/fork_child');
const { sharedInts, until, elapsedSince } = require('./helpers/sync_helpers');

const ACTIONS = 0;
const ARRIVALS = 100; // [100 + pass]
const ZEROES = 200; // [200 + pass]

// A child that waits once and exits 0 if it got BrokenBarrierError.
function forkBrokenWaiter(barrier) {
  return forkChild(() => {
    try {
      barrier.waitSync(10000);
      return 1;
    } catch (err) {
      return err instanceof BrokenBarrierError ? 0 : 2;
    }
  });
}

describe('Barrier', function () {
  it('Barrier(5) keeps 5 processes in lockstep for 20 passes, one index 0 and one action per pass', async function () {
    this.timeout(30000);
    const shared = sharedInts();
    const barrier = new Barrier(5, { action: () => Atomics.add(shared, ACTIONS, 1) });
    const pids = [];
    for (let p = 0; p < 5; p++) {
      pids.push(
        forkChild(() => {
          for (let pass = 0; pass < 20; pass++) {
            Atomics.add(shared, ARRIVALS + pass, 1);
            const index = barrier.waitSync(10000);
            if (Atomics.load(shared, ARRIVALS + pass) !== 5) return 10 + pass; // left before all arrived
            if (index < 0 || index > 4) return 3;
            if (index === 0) Atomics.add(shared, ZEROES + pass, 1);
          }
          return 0;
        }),
      );
    }
    for (const pid of pids) assert.strictEqual((await waitExit(pid, 25000)).exitCode, 0);
    for (let pass = 0; pass < 20; pass++) assert.strictEqual(shared[ZEROES + pass], 1, `pass ${pass}`);
    assert.strictEqual(shared[ACTIONS], 20);
  });

  it('an async wait() in this process completes a pass with waitSync() in others', async function () {
    const barrier = new Barrier(3);
    const pids = [forkChild(() => barrier.waitSync(10000)), forkChild(() => barrier.waitSync(10000))];
    const index = await barrier.wait(10000);
    const indexes = [index];
    for (const pid of pids) indexes.push((await waitExit(pid)).exitCode);
    assert.deepStrictEqual(indexes.sort(), [0, 1, 2]);
  });

  it('a wait() that times out breaks the barrier for every waiter; reset() repairs it', async function () {
    const barrier = new Barrier(3);
    const waiter = forkBrokenWaiter(barrier);
    await until(() => barrier.nWaiting === 1, 5000, 'the child to arrive');
    const start = process.hrtime.bigint();
    await assert.rejects(barrier.wait(200), BrokenBarrierError);
    const elapsed = elapsedSince(start);
    assert.ok(elapsed >= 190 && elapsed < 2000, `took ${elapsed} ms`);
    assert.strictEqual((await waitExit(waiter)).exitCode, 0);
    assert.strictEqual(barrier.broken, true);
    assert.throws(() => barrier.waitSync(), BrokenBarrierError);
    barrier.reset();
    assert.strictEqual(barrier.broken, false);
    const pids = [forkChild(() => barrier.waitSync(10000)), forkChild(() => barrier.waitSync(10000))];
    await barrier.wait(10000);
    for (const pid of pids) assert.ok((await waitExit(pid)).exitCode <= 2);
  });

  it('abort() makes current and later waiters fail with BrokenBarrierError', async function () {
    const barrier = new Barrier(3);
    const waiter = forkBrokenWaiter(barrier);
    await until(() => barrier.nWaiting === 1, 5000, 'the child to arrive');
    barrier.abort();
    assert.strictEqual((await waitExit(waiter)).exitCode, 0);
    assert.strictEqual(barrier.broken, true);
    assert.strictEqual(barrier.nWaiting, 0);
    await assert.rejects(barrier.wait(), BrokenBarrierError);
  });

  it('reset() while a process waits gives it BrokenBarrierError and leaves the barrier usable', async function () {
    const barrier = new Barrier(2);
    const waiter = forkBrokenWaiter(barrier);
    await until(() => barrier.nWaiting === 1, 5000, 'the child to arrive');
    barrier.reset();
    assert.strictEqual((await waitExit(waiter)).exitCode, 0);
    assert.strictEqual(barrier.broken, false);
    const pid = forkChild(() => barrier.waitSync(10000));
    await barrier.wait(10000);
    assert.ok((await waitExit(pid)).exitCode <= 1);
  });

  it('an action that throws rejects its caller with the error and breaks the barrier for the others', async function () {
    const barrier = new Barrier(2, {
      action: () => {
        throw new Error('action failed');
      },
    });
    const waiter = forkBrokenWaiter(barrier);
    await until(() => barrier.nWaiting === 1, 5000, 'the child to arrive');
    await assert.rejects(barrier.wait(5000), /action failed/); // we arrive last, so we run the action
    assert.strictEqual((await waitExit(waiter)).exitCode, 0);
    assert.strictEqual(barrier.broken, true);
  });

  it('parties and nWaiting describe the barrier', async function () {
    const barrier = new Barrier(4);
    assert.strictEqual(barrier.parties, 4);
    assert.strictEqual(barrier.nWaiting, 0);
    const waiter = forkBrokenWaiter(barrier);
    await until(() => barrier.nWaiting === 1, 5000, 'the child to arrive');
    barrier.abort();
    await waitExit(waiter);
  });

  it('parties that are not a positive integer throw ERR_INVALID_ARG_VALUE', function () {
    assert.throws(() => new Barrier(0), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => new Barrier(2.5), { code: 'ERR_INVALID_ARG_VALUE' });
  });
});
