'use strict';
// The timeout rule and the abort path of every blocking call (api.md,
// "Timeouts and cancellation"): undefined, null and Infinity wait forever; 0
// and negatives poll once; NaN and non-numbers throw ERR_INVALID_ARG_TYPE and
// leave the object usable; every abort rejects with the same AbortError and
// leaves the primitive consistent.
const assert = require('node:assert/strict');
const path = require('node:path');
const {
  Lock,
  RLock,
  Semaphore,
  BoundedSemaphore,
  Condition,
  Event,
  Barrier,
  Queue,
  JoinableQueue,
  SimpleQueue,
  Pipe,
  getContext,
} = require('..');
const { wait, waitSync } = require('../dist/connection');
const { AsyncResult, kSettle } = require('../dist/pool/async_result');
const { Future, kSettle: kSettleFuture } = require('../dist/pool/future');
const { forkChild, waitExit } = require('./helpers/fork_child');
const { sharedInts, sleepSync, until } = require('./helpers/sync_helpers');
const { runNode } = require('./helpers/run_node');
const { portable, METHOD } = require('./helpers/children');

// A sync call waiting forever is released by a child after this long.
const RELEASE_AFTER_MS = 300;

/** What a call did: { value } or { error }. A sync call has finished when this returns. */
async function outcomeOf(call) {
  try {
    return { value: await call() };
  } catch (error) {
    return { error };
  }
}

/** The promise's value; fails loudly when it has not settled within `ms`. */
async function within(promise, ms, what) {
  let timer;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

function isTrue(outcome) {
  assert.ifError(outcome.error);
  assert.equal(outcome.value, true);
}
function isFalse(outcome) {
  assert.ifError(outcome.error);
  assert.equal(outcome.value, false);
}
function threw(name) {
  return (outcome) => {
    assert.ok(outcome.error, `expected ${name}, got ${JSON.stringify(outcome.value)}`);
    assert.equal(outcome.error.name, name);
  };
}
function succeeded(outcome) {
  assert.ifError(outcome.error);
}

// Each blocking object: how to make it, make a call on it wait (block, in this
// process, or a holder in a child), release the wait (from any process), and
// what a released and a timed-out call return. `edge`: a release only reaches
// a call already waiting (a sync call's releaser repeats it until done).
// `forms`: the call, async and sync, given a timeout.
// Under portable (spawn only) the objects that need a child of their own (`forks`: a closure
// target or a holder started with posix.fork()) and the sync forms (released by a forked child)
// skip; their spawn-based twins are in the synchronize_*, queues and process tests.
const fork = getContext(METHOD);
const objects = [
  ...[Lock, RLock].map((Class) => ({
    what: Class.name,
    make: () => ({ lock: new Class() }),
    // An RLock held by this process would be re-entered: a child holds it.
    ...(Class === Lock
      ? { block: (c) => c.lock.acquireSync() }
      : { holdInChild: (c) => c.lock.acquireSync(), forks: true }),
    release: (c) => c.lock.release(),
    released: isTrue,
    timedOut: isFalse,
    cleanup: (c) => {
      if (c.lock.isMine()) c.lock.release();
    },
    forms: {
      [`${Class.name}.acquire`]: (c, timeout) => c.lock.acquire({ timeout }),
      [`${Class.name}.acquireSync`]: (c, timeout) => c.lock.acquireSync({ timeout }),
    },
  })),
  ...[Semaphore, BoundedSemaphore].map((Class) => ({
    what: Class.name,
    make: () => ({ sem: Class === Semaphore ? new Semaphore(0) : blockedBounded() }),
    release: (c) => c.sem.release(),
    released: isTrue,
    timedOut: isFalse,
    forms: {
      [`${Class.name}.acquire`]: (c, timeout) => c.sem.acquire({ timeout }),
      [`${Class.name}.acquireSync`]: (c, timeout) => c.sem.acquireSync({ timeout }),
    },
  })),
  {
    what: 'Condition',
    make: () => ({ cond: new Condition(), flag: portable ? new Int32Array(1) : sharedInts() }),
    block: (c) => c.cond.acquireSync(),
    release: (c) => {
      c.cond.acquireSync();
      c.flag[0] = 1;
      c.cond.notifyAll();
      c.cond.release();
    },
    edge: true,
    released: (outcome) => {
      assert.ifError(outcome.error);
      assert.ok(outcome.value);
    },
    timedOut: isFalse,
    cleanup: (c) => c.cond.release(),
    forms: {
      'Condition.wait': (c, timeout) => c.cond.wait(timeout),
      'Condition.waitSync': (c, timeout) => c.cond.waitSync(timeout),
      'Condition.waitFor': (c, timeout) => c.cond.waitFor(() => c.flag[0] === 1, timeout),
      'Condition.waitForSync': (c, timeout) => c.cond.waitForSync(() => c.flag[0] === 1, timeout),
    },
  },
  {
    what: 'Event',
    make: () => ({ event: new Event() }),
    release: (c) => c.event.set(),
    released: isTrue,
    timedOut: isFalse,
    forms: {
      'Event.wait': (c, timeout) => c.event.wait(timeout),
      'Event.waitSync': (c, timeout) => c.event.waitSync(timeout),
    },
  },
  {
    what: 'Barrier',
    make: () => ({ barrier: new Barrier(2) }),
    release: (c) => (c.inChild ? c.barrier.waitSync() : c.barrier.wait()), // the other party
    released: (outcome) => {
      assert.ifError(outcome.error);
      assert.ok([0, 1].includes(outcome.value));
    },
    timedOut: threw('BrokenBarrierError'),
    forms: {
      'Barrier.wait': (c, timeout) => c.barrier.wait(timeout),
      'Barrier.waitSync': (c, timeout) => c.barrier.waitSync(timeout),
    },
  },
  ...[Queue, JoinableQueue, SimpleQueue].map((Class) => ({
    what: `${Class.name} get`,
    make: () => ({ q: new Class() }),
    release: (c) => c.q.putSync('item'),
    released: (outcome) => {
      assert.ifError(outcome.error);
      assert.equal(outcome.value, 'item');
    },
    timedOut: threw('Empty'),
    cleanup: (c) => c.q.close(),
    forms: {
      [`${Class.name}.get`]: (c, timeout) => c.q.get({ timeout }),
      [`${Class.name}.getSync`]: (c, timeout) => c.q.getSync({ timeout }),
    },
  })),
  ...[Queue, JoinableQueue].map((Class) => ({
    what: `${Class.name} put`,
    make: () => ({ q: new Class(1) }),
    block: (c) => c.q.putSync('filler'),
    release: (c) => c.q.getSync(),
    released: succeeded,
    timedOut: threw('Full'),
    cleanup: (c) => c.q.close(),
    forms: {
      [`${Class.name}.put`]: (c, timeout) => c.q.put('item', { timeout }),
      [`${Class.name}.putSync`]: (c, timeout) => c.q.putSync('item', { timeout }),
    },
  })),
  {
    what: 'JoinableQueue join',
    make: () => ({ q: new JoinableQueue() }),
    block: (c) => c.q.putSync('task'),
    release: (c) => {
      c.q.getSync();
      c.q.taskDone();
    },
    released: succeeded,
    timedOut: (outcome) => assert.equal(outcome.error?.code, 'ERR_JOIN_TIMEOUT'),
    cleanup: (c) => c.q.close(),
    forms: {
      'JoinableQueue.join': (c, timeout) => c.q.join({ timeout }),
      'JoinableQueue.joinSync': (c, timeout) => c.q.joinSync(timeout),
    },
  },
  {
    what: 'Connection poll',
    make: () => {
      const [a, b] = Pipe();
      return { a, b };
    },
    release: (c) => c.b.sendSync('message'),
    released: isTrue,
    timedOut: isFalse,
    cleanup: (c) => {
      c.a.close();
      c.b.close();
    },
    forms: {
      'Connection.poll': (c, timeout) => c.a.poll(timeout),
      'Connection.pollSync': (c, timeout) => c.a.pollSync(timeout),
    },
  },
  {
    what: 'connection wait()',
    make: () => {
      const [a, b] = Pipe();
      return { a, b };
    },
    release: (c) => c.b.sendSync('message'),
    released: (outcome) => {
      assert.ifError(outcome.error);
      assert.equal(outcome.value.length, 1);
    },
    timedOut: (outcome) => {
      assert.ifError(outcome.error);
      assert.deepEqual(outcome.value, []);
    },
    cleanup: (c) => {
      c.a.close();
      c.b.close();
    },
    forms: {
      'wait()': (c, timeout) => wait([c.a], timeout),
      'waitSync()': (c, timeout) => waitSync([c.a], timeout),
    },
  },
  {
    what: 'Process join',
    forks: true,
    make: () => {
      const go = sharedInts();
      const p = new fork.Process({
        target: () => {
          while (go[0] === 0) sleepSync(5);
        },
      });
      p.start();
      return { go, p };
    },
    release: (c) => {
      c.go[0] = 1;
    },
    released: (outcome) => {
      assert.ifError(outcome.error);
    },
    timedOut: (outcome) => {
      assert.ifError(outcome.error);
    },
    cleanup: async (c) => {
      c.go[0] = 1;
      await c.p.join(10000);
      if (c.p.exitcode === null) c.p.kill();
      await c.p.join(10000);
    },
    forms: {
      'Process.join': (c, timeout) => c.p.join(timeout),
      'Process.joinSync': (c, timeout) => c.p.joinSync(timeout),
    },
    afterRelease: (c) => assert.equal(c.p.exitcode, 0),
    afterTimeout: (c) => assert.equal(c.p.exitcode, null),
  },
  {
    what: 'AsyncResult',
    make: () => ({ result: new AsyncResult() }),
    release: (c) => c.result[kSettle](true, 42),
    released: (outcome) => {
      assert.ifError(outcome.error);
    },
    timedOut: (outcome) => {
      if (outcome.error) assert.equal(outcome.error.name, 'TimeoutError');
    },
    forms: {
      'AsyncResult.get': (c, timeout) => c.result.get(timeout),
      'AsyncResult.wait': (c, timeout) => c.result.wait(timeout),
    },
    afterTimeout: (c) => assert.equal(c.result.ready(), false),
  },
  {
    what: 'Future',
    make: () => ({ future: new Future() }),
    release: (c) => c.future[kSettleFuture](true, 42),
    released: (outcome) => {
      assert.ifError(outcome.error);
    },
    timedOut: threw('TimeoutError'),
    forms: {
      'Future.result': (c, timeout) => c.future.result(timeout),
      'Future.exception': (c, timeout) => c.future.exception(timeout),
    },
    afterTimeout: (c) => assert.equal(c.future.done(), false),
  },
];

function blockedBounded() {
  const sem = new BoundedSemaphore(1);
  sem.acquireSync();
  return sem;
}

function isSync(form) {
  return /Sync(\(\))?$/.test(form);
}

/** Starts a child that holds `object` until told to release (go[0] = 1), if the object needs one. */
async function startHolder(object, ctx) {
  if (!object.holdInChild) return null;
  const flags = sharedInts();
  const pid = forkChild(() => {
    object.holdInChild(ctx);
    flags[0] = 1;
    while (flags[1] === 0) sleepSync(5);
    object.release(ctx);
  });
  await until(() => flags[0] === 1, 10000, 'the holder child to take the object');
  return {
    pid,
    release: () => {
      flags[1] = 1;
    },
  };
}

/** A child that releases the object after RELEASE_AFTER_MS (again and again for an edge-triggered one, until `done`). */
async function startReleaser(object, ctx, holder) {
  if (holder) {
    const pid = forkChild(() => {
      sleepSync(RELEASE_AFTER_MS);
      holder.release();
    });
    return { pid, done: () => {} };
  }
  const flags = sharedInts();
  const pid = forkChild(() => {
    ctx.inChild = true;
    sleepSync(RELEASE_AFTER_MS);
    do {
      object.release(ctx);
      sleepSync(20);
    } while (object.edge && flags[0] === 0);
  });
  return {
    pid,
    done: () => {
      flags[0] = 1;
    },
  };
}

async function withObject(object, body) {
  const ctx = object.make();
  let holder = null;
  try {
    object.block?.(ctx);
    holder = await startHolder(object, ctx);
    await body(ctx, holder);
  } finally {
    if (holder) {
      holder.release();
      assert.equal((await waitExit(holder.pid)).exitCode, 0);
    }
    await object.cleanup?.(ctx);
  }
}

describe('timeouts: forever (Infinity and null)', function () {
  this.timeout(30000);
  for (const object of objects) {
    for (const [form, call] of Object.entries(object.forms)) {
      for (const forever of [Infinity, null]) {
        if (isSync(form)) {
          it(`${form}(${forever}) blocks until another process releases it`, async function () {
            if (portable) this.skip(); // released by a child started with posix.fork()
            await withObject(object, async (ctx, holder) => {
              const releaser = await startReleaser(object, ctx, holder);
              const started = performance.now();
              const outcome = await outcomeOf(() => call(ctx, forever));
              const waited = performance.now() - started;
              releaser.done();
              assert.equal((await waitExit(releaser.pid)).exitCode, 0);
              object.released(outcome);
              object.afterRelease?.(ctx);
              assert.ok(waited >= RELEASE_AFTER_MS - 50, `returned after ${waited.toFixed(0)} ms, before the release`);
            });
          });
        } else {
          it(`${form}(${forever}) is still waiting after 100 ms, and resolves once released`, async function () {
            if (portable && object.forks) this.skip(); // its child is forked (posix only)
            await withObject(object, async (ctx, holder) => {
              let settled = false;
              const pending = outcomeOf(() => call(ctx, forever)).finally(() => {
                settled = true;
              });
              await new Promise((resolve) => setTimeout(resolve, 100));
              if (settled) assert.fail(`${form}(${forever}) did not wait: ${JSON.stringify(await pending)}`);
              const partner = holder ? holder.release() : object.release(ctx);
              const outcome = await within(pending, 10000, `${form}(${forever}) after the release`);
              await partner;
              object.released(outcome);
              object.afterRelease?.(ctx);
            });
          });
        }
      }
    }
  }
});

describe('timeouts: 0 and negatives poll once', function () {
  this.timeout(30000);
  for (const object of objects) {
    for (const [form, call] of Object.entries(object.forms)) {
      for (const poll of [0, -1]) {
        it(`${form}(${poll}) returns the timed-out result at once`, async function () {
          if (portable && object.forks) this.skip(); // its child is forked (posix only)
          await withObject(object, async (ctx) => {
            const started = performance.now();
            const outcome = await within(
              outcomeOf(() => call(ctx, poll)),
              5000,
              `${form}(${poll})`,
            );
            const took = performance.now() - started;
            object.timedOut(outcome);
            object.afterTimeout?.(ctx);
            assert.ok(took < 250, `${form}(${poll}) took ${took.toFixed(0)} ms`);
          });
        });
      }
    }
  }
});

describe('timeouts: NaN and non-numbers are refused', function () {
  this.timeout(30000);
  for (const object of objects) {
    for (const [form, call] of Object.entries(object.forms)) {
      for (const bad of [NaN, 'abc']) {
        it(`${form}(${typeof bad === 'string' ? `'${bad}'` : bad}) throws ERR_INVALID_ARG_TYPE naming the call; the object stays usable`, async function () {
          if (portable && object.forks) this.skip(); // its child is forked (posix only)
          await withObject(object, async (ctx) => {
            const outcome = await within(
              outcomeOf(() => call(ctx, bad)),
              5000,
              `${form}(${String(bad)})`,
            );
            assert.ok(outcome.error, `${form}(${String(bad)}) returned ${JSON.stringify(outcome.value)}`);
            assert.equal(outcome.error.name, 'TypeError');
            assert.equal(outcome.error.code, 'ERR_INVALID_ARG_TYPE');
            const method = form.split('.').pop().replace('()', '');
            assert.match(outcome.error.message, new RegExp(`${method}\\(\\)`), 'the message names the call');
            assert.match(outcome.error.message, /timeout/);
            // Usable: the same call with a valid timeout behaves.
            object.timedOut(await outcomeOf(() => call(ctx, 0)));
          });
        });
      }
    }
  }

  it("Event.wait('abc') on a set Event throws instead of returning true", async () => {
    const event = new Event();
    event.set();
    await assert.rejects(event.wait('abc'), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => event.waitSync('abc'), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.equal(await event.wait(0), true);
  });

  it('Connection.poll(NaN) with a message waiting throws instead of returning a boolean', async () => {
    const [a, b] = Pipe();
    try {
      b.sendSync('ready');
      await assert.rejects(a.poll(NaN), { code: 'ERR_INVALID_ARG_TYPE' });
      assert.throws(() => a.pollSync(NaN), { code: 'ERR_INVALID_ARG_TYPE' });
      assert.equal(await a.poll(), true);
      assert.equal(a.recvSync(), 'ready');
    } finally {
      a.close();
      b.close();
    }
  });

  it('Connection.poll() with no argument returns at once, as in Python', async () => {
    const [a, b] = Pipe();
    try {
      const started = performance.now();
      assert.equal(await a.poll(), false);
      assert.equal(a.pollSync(), false);
      assert.ok(performance.now() - started < 250);
    } finally {
      a.close();
      b.close();
    }
  });

  it("a Barrier's default timeout of 'abc' is refused by the constructor", () => {
    assert.throws(() => new Barrier(2, { timeout: 'abc' }), { code: 'ERR_INVALID_ARG_TYPE', message: /Barrier\(\)/ });
  });
});

// ---- aborting ----

// Each wait that takes { signal }: make it wait, call it with a signal, and
// check afterwards that nothing was lost or taken.
const abortable = [
  {
    call: 'Lock.acquire',
    make: () => {
      const lock = new Lock();
      lock.acquireSync();
      return { lock };
    },
    wait: (c, signal) => c.lock.acquire({ signal }),
    consistent: async (c) => {
      c.lock.release();
      assert.equal(await c.lock.acquire({ timeout: 0 }), true);
      c.lock.release();
    },
  },
  {
    call: 'Semaphore.acquire',
    make: () => ({ sem: new Semaphore(0) }),
    wait: (c, signal) => c.sem.acquire({ signal }),
    consistent: async (c) => {
      assert.equal(c.sem.getValue(), 0);
      c.sem.release();
      assert.equal(c.sem.getValue(), 1, 'the permit released after the abort is not lost');
      assert.equal(await c.sem.acquire({ timeout: 0 }), true);
    },
  },
  {
    call: 'Queue.get',
    make: () => ({ q: new Queue() }),
    wait: (c, signal) => c.q.get({ signal }),
    consistent: async (c) => {
      c.q.putSync('after');
      assert.equal(c.q.qsize(), 1, 'no item taken');
      assert.equal(await c.q.get({ timeout: 1000 }), 'after');
      c.q.close();
    },
  },
  {
    call: 'Queue.put',
    make: () => {
      const q = new Queue(1);
      q.putSync('filler');
      return { q };
    },
    wait: (c, signal) => c.q.put('aborted item', { signal }),
    consistent: async (c) => {
      assert.equal(c.q.qsize(), 1, 'the aborted item was not added');
      assert.equal(c.q.getSync({ timeout: 0 }), 'filler');
      await c.q.put('after', { timeout: 1000 });
      assert.equal(c.q.getSync({ timeout: 0 }), 'after');
      c.q.close();
    },
  },
  {
    call: 'JoinableQueue.join',
    make: () => {
      const q = new JoinableQueue();
      q.putSync('task');
      return { q };
    },
    wait: (c, signal) => c.q.join({ signal }),
    consistent: async (c) => {
      assert.equal(c.q.getSync({ timeout: 0 }), 'task');
      c.q.taskDone();
      await c.q.join({ timeout: 1000 });
      c.q.close();
    },
  },
];

function assertAbortError(err, reason) {
  assert.equal(err.name, 'AbortError');
  assert.equal(err.code, 'ABORT_ERR');
  assert.equal(err.cause, reason);
  return true;
}

describe('timeouts: aborting a wait', function () {
  this.timeout(30000);
  for (const { call, make, wait: start, consistent } of abortable) {
    it(`${call} with an already aborted signal rejects with AbortError (cause: the reason) and changes nothing`, async () => {
      const ctx = make();
      const reason = new Error('stop');
      await assert.rejects(within(start(ctx, AbortSignal.abort(reason)), 5000, call), (err) =>
        assertAbortError(err, reason),
      );
      await consistent(ctx);
    });

    it(`${call} aborted while waiting rejects with AbortError (cause: the reason) and changes nothing`, async () => {
      const ctx = make();
      const controller = new AbortController();
      const reason = new Error('stop');
      const pending = start(ctx, controller.signal);
      await new Promise((resolve) => setTimeout(resolve, 50));
      controller.abort(reason);
      await assert.rejects(within(pending, 5000, call), (err) => assertAbortError(err, reason));
      await consistent(ctx);
    });
  }

  it("an abort without a reason gives the AbortError the signal's default reason as cause", async () => {
    const q = new Queue();
    try {
      const signal = AbortSignal.abort();
      await assert.rejects(q.get({ signal }), (err) => assertAbortError(err, signal.reason));
    } finally {
      q.close();
    }
  });

  it('a signal that is not an AbortSignal is refused with ERR_INVALID_ARG_TYPE and the queue stays usable', async () => {
    const q = new Queue();
    try {
      await assert.rejects(q.get({ signal: 'stop' }), { code: 'ERR_INVALID_ARG_TYPE', message: /Queue\.get\(\)/ });
      assert.throws(() => new Lock().acquireSync({ signal: {} }), { code: 'ERR_INVALID_ARG_TYPE' });
      q.putSync(1);
      assert.equal(await q.get(), 1);
    } finally {
      q.close();
    }
  });
});

// ---- no delay too long for setTimeout or the native waits ----

describe('timeouts: long waits', function () {
  this.timeout(30000);

  it('a program that only waits with Infinity and 2^40 ms timeouts prints no TimeoutOverflowWarning', async function () {
    if (portable) this.skip(); // its Process has a closure target, which only fork runs
    const script = `
      const { Event, Lock, Semaphore, Queue, Pipe, getContext } = require(${JSON.stringify(path.join(__dirname, '..'))});
      process.on('warning', (w) => { console.log('WARNING ' + w.name); });
      (async () => {
        for (const timeout of [Infinity, 2 ** 40]) {
          const event = new Event();
          setTimeout(() => event.set(), 100);
          if (!(await event.wait(timeout))) throw new Error('event.wait returned false');
          const lock = new Lock();
          lock.acquireSync();
          setTimeout(() => lock.release(), 100);
          if (!(await lock.acquire({ timeout }))) throw new Error('lock.acquire returned false');
          const sem = new Semaphore(0);
          setTimeout(() => sem.release(), 100);
          if (!(await sem.acquire({ timeout }))) throw new Error('sem.acquire returned false');
          const q = new Queue();
          setTimeout(() => q.putSync('x'), 100);
          if ((await q.get({ timeout })) !== 'x') throw new Error('q.get');
          q.close();
          const [a, b] = Pipe();
          setTimeout(() => b.sendSync('x'), 100);
          if (!(await a.poll(timeout))) throw new Error('poll returned false');
          a.close(); b.close();
          const go = new Event();
          const p = new (getContext('fork').Process)({ target: () => { go.waitSync(); } });
          p.start();
          setTimeout(() => go.set(), 100);
          await p.join(timeout);
          if (p.exitcode !== 0) throw new Error('join returned before the child ended: ' + p.exitcode);
        }
        console.log('DONE');
      })().catch((err) => { console.error(err); process.exitCode = 1; });
    `;
    const { code, stdout, stderr } = await runNode(['-e', script], { timeout: 25000 });
    assert.equal(code, 0, stderr);
    assert.match(stdout, /DONE/);
    assert.doesNotMatch(stdout + stderr, /TimeoutOverflowWarning|WARNING/);
  });

  it('Event.waitSync(2^40) waits (no futex EINVAL, no early return) until set by another process', async function () {
    if (portable) this.skip(); // forks a child with posix.fork()
    const event = new Event();
    const pid = forkChild(() => {
      sleepSync(RELEASE_AFTER_MS);
      event.set();
    });
    const started = performance.now();
    assert.equal(event.waitSync(2 ** 40), true);
    assert.ok(performance.now() - started >= RELEASE_AFTER_MS - 50);
    assert.equal((await waitExit(pid)).exitCode, 0);
  });

  it('Queue.getSync({ timeout: 2^40 }) waits for an item instead of failing', async function () {
    if (portable) this.skip(); // forks a child with posix.fork()
    const q = new Queue();
    try {
      const pid = forkChild(() => {
        sleepSync(RELEASE_AFTER_MS);
        q.putSync('late');
      });
      assert.equal(q.getSync({ timeout: 2 ** 40 }), 'late');
      assert.equal((await waitExit(pid)).exitCode, 0);
    } finally {
      q.close();
    }
  });
});
