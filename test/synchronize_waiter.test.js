'use strict';
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { Event, Semaphore, Lock, BoundedSemaphore, Condition, Barrier, RLock } = require('..');
const { waitUntilChanged, waitSync, pendingWaitCount } = require('../dist/wait/waiter');
const { reduce, rebuild } = require('../dist/reduction');
const { native } = require('../dist/internal/native');
const { forkChild, waitExit } = require('./helpers/fork_child');
const { runNode, fixture } = require('./helpers/run_node');
const { sharedInts, sleepSync, elapsedSince } = require('./helpers/sync_helpers');
const { portable, startChild, exitsCleanly, reapChildren } = require('./helpers/children');
const targets = require('./fixtures/sync_targets');

afterEach(reapChildren);

function threadCount() {
  return fs.readdirSync('/proc/self/task').length;
}

describe('async waiting', function () {
  it('1,000 async waiters on one Event resolve when another process sets it, with no thread per waiter', async function () {
    const event = new Event();
    const before = threadCount();
    const waits = [];
    for (let i = 0; i < 1000; i++) waits.push(event.wait(20000));
    assert.ok(threadCount() <= before + 1, `threads went from ${before} to ${threadCount()}`);
    const child = startChild(targets.callAfter, 50, event, 'set');
    const results = await Promise.all(waits);
    assert.ok(results.every((r) => r === true));
    await exitsCleanly(child);
    assert.strictEqual(pendingWaitCount(), 0);
  });

  it('1,000 async acquires on 1,000 different Semaphores all resolve when a child releases them', async function () {
    this.timeout(30000);
    const sems = Array.from({ length: 1000 }, () => new Semaphore(0));
    const before = threadCount();
    const acquires = sems.map((sem) => sem.acquire({ timeout: 20000 }));
    assert.ok(threadCount() <= before + 1);
    const child = startChild(targets.releaseEach, sems);
    const results = await Promise.all(acquires);
    assert.ok(results.every((r) => r === true));
    await exitsCleanly(child, 25000);
  });

  it('fs.promises stays fast while 64 async waits are pending', async function () {
    const sems = Array.from({ length: 64 }, () => new Semaphore(0));
    const controller = new AbortController();
    require('node:events').setMaxListeners(100, controller.signal);
    const pending = sems.map((sem) => sem.acquire({ signal: controller.signal }).catch((err) => err));
    const file = path.join(os.tmpdir(), `pmp-fs-${process.pid}.txt`);
    fs.writeFileSync(file, 'small');
    try {
      const times = [];
      for (let i = 0; i < 9; i++) {
        const start = process.hrtime.bigint();
        assert.strictEqual(await fs.promises.readFile(file, 'utf8'), 'small');
        times.push(elapsedSince(start));
      }
      times.sort((a, b) => a - b);
      assert.ok(times[4] < 200, `median readFile took ${times[4]} ms with 64 waits pending`);
      if (!portable) assert.strictEqual(pendingWaitCount(), 64); // the posix waiter's own count
    } finally {
      fs.unlinkSync(file);
      controller.abort();
      await Promise.all(pending);
    }
  });

  it('waitUntilChanged() resolves "timeout" after about the timeout and "changed" at once when the word differs', async function () {
    if (portable) this.skip(); // the futex waiter (lib/wait/waiter.ts): posix internals
    const words = sharedInts();
    const buf = Buffer.from(words.buffer, words.byteOffset, words.byteLength);
    const start = process.hrtime.bigint();
    assert.strictEqual(await waitUntilChanged(buf, 0, 0, { timeout: 150 }), 'timeout');
    const elapsed = elapsedSince(start);
    assert.ok(elapsed >= 140 && elapsed < 2000, `took ${elapsed} ms`);
    assert.strictEqual(await waitUntilChanged(buf, 0, 7), 'changed');
  });

  it('waitUntilChanged() rejects with an AbortError when its signal aborts', async function () {
    if (portable) this.skip(); // the futex waiter (lib/wait/waiter.ts): posix internals
    const words = sharedInts();
    const buf = Buffer.from(words.buffer, words.byteOffset, words.byteLength);
    const controller = new AbortController();
    const pending = waitUntilChanged(buf, 4, 0, { signal: controller.signal });
    controller.abort(new Error('stop'));
    await assert.rejects(pending, (err) => err.name === 'AbortError' && err.cause.message === 'stop');
    assert.strictEqual(pendingWaitCount(), 0);
  });

  it('waitUntilChanged() and waitSync() refuse a misaligned or out-of-range word', async function () {
    if (portable) this.skip(); // the futex waiter (lib/wait/waiter.ts): posix internals
    const words = sharedInts();
    const buf = Buffer.from(words.buffer, words.byteOffset, words.byteLength);
    await assert.rejects(waitUntilChanged(buf, 2, 0), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    await assert.rejects(waitUntilChanged(buf, 4096, 0), { name: 'RangeError', code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => waitSync(buf, 6, 0), { code: 'ERR_OUT_OF_RANGE' });
  });

  it('without futex_waitv (older kernels) the waiter thread falls back to polling and every wait resolves', async function () {
    if (portable) this.skip(); // the futex waiter (lib/wait/waiter.ts): posix internals
    const result = await runNode([fixture('async_waits.js')], { env: { PMP_NO_FUTEX_WAITV: '1' } });
    assert.strictEqual(result.code, 0, result.stderr);
    assert.match(result.stdout, /resolved 600 of 600/);
  });

  it('4 processes taking one Lock only with await acquire() exclude each other and never stall', async function () {
    if (portable) this.skip(); // posix.fork() children (the spawn twin: synchronize_lock.test.js, async and sync acquires)
    const result = await runNode([fixture('async_contention.js')], { timeout: 30000 });
    assert.strictEqual(result.code, 0, result.stderr);
    assert.match(result.stdout, /exit codes 0,0,0 count 8000/);
  });

  it("an acquire pending when the process forks stays the parent's: it never settles in the child", async function () {
    if (portable) this.skip(); // posix.fork(): posix only
    const result = await runNode([fixture('wait_across_fork.js')]);
    assert.strictEqual(result.code, 0, result.stderr);
    assert.match(result.stdout, /parent got true/);
    assert.match(result.stdout, /child settled false/);
    assert.match(result.stdout, /child exit 0/);
    assert.match(result.stdout, /value 0/);
  });

  it('a release reaches an async waiter in this process although a forked child inherited the same wait', async function () {
    if (portable) this.skip(); // posix.fork(): posix only
    // The child's waiter thread must not sleep on the parent's words, or it
    // could take the one futex wake the release sends.
    const sems = Array.from({ length: 100 }, () => new Semaphore(0));
    const acquires = sems.map((sem) => sem.acquire({ timeout: 10000 }));
    const start = process.hrtime.bigint();
    const pid = forkChild(() => {
      sleepSync(100); // the child's loop never runs; only its waiter thread could steal
      for (const sem of sems) sem.release();
    });
    assert.ok((await Promise.all(acquires)).every((r) => r === true));
    assert.ok(elapsedSince(start) < 5000, `took ${elapsedSince(start)} ms: a wake was lost`);
    await waitExit(pid);
  });
});

describe('passing primitives to processes that did not fork from the creator', function () {
  it('a Lock and an Event reduce to fds that a spawned process rebuilds into the same objects', async function () {
    if (portable) this.skip(); // fds behind primitives: posix internals
    const lock = new Lock();
    const event = new Event();
    const lockFd = lock[reduce]().fds[0];
    const eventFd = event[reduce]().fds[0];
    lock.acquireSync();
    const script = `
      require('./dist/synchronize');
      const { rebuild } = require('./dist/reduction');
      const lock = rebuild({ kind: 'Lock', state: null }, [3]);
      const event = rebuild({ kind: 'Event', state: null }, [4]);
      console.log('free in child:', lock.acquireSync({ block: false }));
      event.set();
    `;
    const child = spawn(process.execPath, ['-e', script], {
      cwd: path.join(__dirname, '..'),
      stdio: ['ignore', 'pipe', 'inherit', lockFd, eventFd],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    const code = await new Promise((resolve) => child.on('exit', resolve));
    assert.strictEqual(code, 0);
    assert.match(out, /free in child: false/);
    assert.strictEqual(event.isSet(), true);
    lock.release();
  });

  it('the fd behind a primitive is closed once the primitive is garbage-collected', async function () {
    if (portable) this.skip(); // fds behind primitives: posix internals
    const script = `
      const { Lock, Event } = require('./');
      const fs = require('node:fs');
      const count = () => fs.readdirSync('/proc/self/fd').length;
      const before = count();
      for (let i = 0; i < 2000; i++) { new Lock(); new Event(); }
      const during = count();
      (async () => {
        for (let i = 0; i < 50 && count() > before + 50; i++) {
          global.gc();
          await new Promise((r) => setTimeout(r, 20));
        }
        console.log(JSON.stringify({ before, during, after: count() }));
      })();
    `;
    const result = await runNode(['--expose-gc', '-e', script]);
    assert.strictEqual(result.code, 0, result.stderr);
    const { before, during, after } = JSON.parse(result.stdout);
    assert.ok(during >= before + 4000, `during: ${during}`);
    assert.ok(after <= before + 50, `fds before ${before}, after collection ${after}`);
  });

  it('every primitive rebuilt from its reduction shares state with the original', function () {
    if (portable) this.skip(); // dup()s the fds behind primitives: posix internals
    const twin = (obj) => {
      const reduced = obj[reduce]();
      return rebuild(
        reduced,
        reduced.fds.map((fd) => native.dup(fd)),
      );
    };
    const sem = new BoundedSemaphore(2);
    sem.acquireSync();
    twin(sem).release();
    assert.strictEqual(sem.getValue(), 2);
    assert.throws(() => twin(sem).release(), { code: 'ERR_SEMAPHORE_OVER_RELEASED' });
    const plain = new Semaphore(0);
    twin(plain).release();
    assert.strictEqual(plain.getValue(), 1);
    const rlock = new RLock();
    rlock.acquireSync();
    twin(rlock).release(); // same process, same owner
    assert.strictEqual(rlock.acquireSync({ block: false }), true);
    rlock.release();
    const cond = new Condition(new Lock());
    const condTwin = twin(cond);
    cond.acquireSync();
    assert.strictEqual(condTwin.acquireSync({ block: false }), false);
    cond.release();
    const barrier = new Barrier(3, { timeout: 1234 });
    const barrierTwin = twin(barrier);
    assert.strictEqual(barrierTwin.parties, 3);
    barrier.abort();
    assert.strictEqual(barrierTwin.broken, true);
  });
});
