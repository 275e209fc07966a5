'use strict';
// Spin, then park (lib/wait/spin_then_park.ts): the adaptive policy, the two
// spins, and the cheap look at a queue they poll.
const assert = require('node:assert/strict');
const { Queue } = require('..');
const { NOT_READY, SPIN_WINDOW_MS, SpinPolicy, spinAsync, spinSync } = require('../dist/wait/spin_then_park');

const portable = process.env.PMP_BACKEND === 'portable';
const never = () => NOT_READY;

/** How many of the next `waits` waits the policy lets spin. */
function spinsAllowed(policy, waits) {
  let n = 0;
  for (let i = 0; i < waits; i++) if (policy.shouldSpin()) n++;
  return n;
}

describe('spin, then park', () => {
  it('a spin that ends empty-handed skips the next 1, 2, 4 ... 64 spins; a spin that catches its answer resets that', () => {
    const policy = new SpinPolicy();
    assert.equal(policy.shouldSpin(), true);
    policy.spun(false);
    assert.equal(policy.shouldSpin(), false, 'one skipped after the first miss');
    assert.equal(policy.shouldSpin(), true);
    policy.spun(false);
    assert.equal(spinsAllowed(policy, 2), 0, 'two skipped after the second miss in a row');
    assert.equal(policy.shouldSpin(), true);
    for (let i = 0; i < 10; i++) policy.spun(false);
    assert.equal(spinsAllowed(policy, 64), 0, 'at most 64 skipped');
    assert.equal(policy.shouldSpin(), true);
    policy.spun(true);
    assert.equal(spinsAllowed(policy, 5), 5, 'a caught answer ends the skipping');
  });

  it('spinSync returns the answer as soon as a look finds it, and NOT_READY after about the window', () => {
    let looks = 0;
    assert.equal(
      spinSync(() => (++looks === 100 ? 'answer' : NOT_READY), new SpinPolicy()),
      'answer',
    );
    assert.equal(looks, 100);
    const started = performance.now();
    assert.equal(spinSync(never, new SpinPolicy()), NOT_READY);
    const took = performance.now() - started;
    assert.ok(took >= SPIN_WINDOW_MS && took < 50, `spun ${took} ms for a ${SPIN_WINDOW_MS} ms window`);
  });

  it('a policy that skips makes spinSync look once and return', () => {
    const policy = new SpinPolicy();
    policy.spun(false);
    let looks = 0;
    assert.equal(
      spinSync(() => (looks++, NOT_READY), policy),
      NOT_READY,
    );
    assert.equal(looks, 1);
  });

  it('spinAsync lets other callbacks run while it spins, and stops once the answer is no longer wanted', async () => {
    let ranMeanwhile = false;
    setImmediate(() => {
      ranMeanwhile = true;
    });
    const value = await spinAsync(
      () => (ranMeanwhile ? 'answer' : NOT_READY),
      new SpinPolicy(),
      () => true,
    );
    assert.equal(value, 'answer');
    assert.equal(ranMeanwhile, true);

    let wanted = true;
    setImmediate(() => {
      wanted = false;
    });
    const started = performance.now();
    assert.equal(await spinAsync(never, new SpinPolicy(), () => wanted), NOT_READY);
    assert.ok(performance.now() - started < SPIN_WINDOW_MS + 20);
  });
});

describe('Queue.looker() (the look spinners poll)', () => {
  it('under portable there is none: each look would be a broker round trip', function () {
    if (!portable) this.skip();
    const q = new Queue();
    assert.equal(q.looker(), null);
    q.close();
  });

  it('gives NOT_READY on an empty queue (never Empty), then the items in order, small and larger than the landing slab', function () {
    if (portable) this.skip();
    const q = new Queue();
    const look = q.looker();
    assert.equal(typeof look, 'function');
    assert.equal(look(), NOT_READY);
    const big = Buffer.alloc(300 * 1024, 7);
    q.putSync('first');
    q.putSync(big);
    q.putSync({ third: [3] });
    assert.equal(look(), 'first');
    assert.deepEqual(look(), big);
    assert.deepEqual(look(), { third: [3] });
    assert.equal(look(), NOT_READY);
    q.close();
  });

  it('a closed and drained queue makes the look throw ERR_QUEUE_CLOSED, as get() would', function () {
    if (portable) this.skip();
    const q = new Queue();
    q.putSync(1);
    q.close();
    const look = q.looker();
    assert.equal(look(), 1);
    assert.throws(() => look(), { code: 'ERR_QUEUE_CLOSED' });
  });
});
