'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { Queue, JoinableQueue, SimpleQueue, Empty, Full, posix } = require('..');
const { forkChild, waitExit } = require('./helpers/fork_child');

async function exitsCleanly(pid, timeout) {
  const status = await waitExit(pid, timeout);
  assert.equal(status.exitCode, 0, `child ${pid} exited with ${status.exitCode} (signal ${status.signal})`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function ourShmEntries() {
  return fs.readdirSync('/dev/shm').filter((n) => /^pmp[-_]/.test(n));
}

const portable = process.env.PMP_BACKEND === 'portable';

describe('Queue', () => {
  it('an item put in a child is got in the parent with its structure intact', async function () {
    if (portable) this.skip(); // forks a child: posix only (the spawn-based twins are in queues_pipes_processes.test.js)
    const q = new Queue();
    const pid = forkChild(() => {
      q.putSync({ map: new Map([['k', 1]]), when: new Date(7), big: 5n });
      q.putSync(Buffer.from('raw bytes'));
      q.putSync(new Int16Array([-1, 2]));
    });
    const first = await q.get();
    assert.deepEqual(first.map, new Map([['k', 1]]));
    assert.equal(first.when.getTime(), 7);
    assert.equal(first.big, 5n);
    assert.deepEqual(await q.get(), Buffer.from('raw bytes'));
    assert.deepEqual(await q.get(), new Int16Array([-1, 2]));
    await exitsCleanly(pid);
  });

  it('items from one producer arrive in the order they were put', async function () {
    if (portable) this.skip(); // forks a child: posix only (the spawn-based twins are in queues_pipes_processes.test.js)
    const q = new Queue();
    const pid = forkChild(() => {
      for (let i = 0; i < 1000; i++) q.putSync(i);
    });
    for (let i = 0; i < 1000; i++) assert.equal(q.getSync(), i);
    await exitsCleanly(pid);
  });

  it('get() with a timeout throws Empty after ~timeout', async () => {
    const q = new Queue();
    const started = Date.now();
    await assert.rejects(q.get({ timeout: 80 }), Empty);
    assert.ok(Date.now() - started >= 75, `after ${Date.now() - started} ms`);
  });

  it('getSync() with a timeout throws Empty after ~timeout', () => {
    const q = new Queue();
    const started = Date.now();
    assert.throws(() => q.getSync({ timeout: 80 }), Empty);
    assert.ok(Date.now() - started >= 75, `after ${Date.now() - started} ms`);
  });

  it('getNowait() on an empty queue throws Empty at once', () => {
    assert.throws(() => new Queue().getNowait(), Empty);
    assert.throws(() => new Queue().getSync({ block: false }), Empty);
  });

  it('putNowait() on a full queue throws Full; maxsize counts items', () => {
    const q = new Queue(2);
    assert.equal(q.empty(), true);
    q.putNowait('a');
    q.putNowait(Buffer.alloc(1000));
    assert.equal(q.qsize(), 2);
    assert.equal(q.full(), true);
    assert.throws(() => q.putNowait('c'), Full);
    assert.equal(q.getNowait(), 'a');
    assert.equal(q.full(), false);
  });

  it('put() with a timeout on a full queue throws Full after ~timeout', async () => {
    const q = new Queue(1);
    q.putSync(1);
    const started = Date.now();
    await assert.rejects(q.put(2, { timeout: 80 }), Full);
    assert.ok(Date.now() - started >= 75);
    assert.throws(() => q.putSync(2, { timeout: 30 }), Full);
    assert.equal(q.qsize(), 1);
  });

  it('put() on a full queue waits until a child gets an item', async function () {
    if (portable) this.skip(); // forks a child: posix only (the spawn-based twins are in queues_pipes_processes.test.js)
    const q = new Queue(1);
    q.putSync('first');
    const pid = forkChild(() => {
      const t = Date.now();
      while (Date.now() - t < 50) {
        /* let the parent block */
      }
      if (q.getSync() !== 'first') return 1;
    });
    await q.put('second');
    assert.equal(q.getSync(), 'second');
    await exitsCleanly(pid);
  });

  it('a putSync blocked on a full queue resumes within ms of a get in another process (maxsize and bytes)', async function () {
    if (portable) this.skip(); // forks a child: posix only (the spawn-based twins are in queues_pipes_processes.test.js)
    // Full by items (maxsize 2), then full by bytes (a 4 KiB ring of 1,000-byte items).
    for (const [q, item] of [
      [new Queue(2), Buffer.alloc(8, 1)],
      [new Queue(0, { bufferSize: 4096 }), Buffer.alloc(1000, 1)],
    ]) {
      for (;;) {
        try {
          q.putNowait(item);
        } catch {
          break;
        }
      }
      const pid = forkChild(() => {
        const t = Date.now();
        while (Date.now() - t < 100) {
          /* let the parent block */
        }
        for (let i = 0; i < 2; i++) q.getSync();
      });
      const start = Date.now();
      q.putSync(item);
      const waited = Date.now() - start;
      await exitsCleanly(pid);
      // The child gets after ~100 ms; a missed wake-up would add the 250 ms wait slice.
      assert.ok(waited < 200, `putSync waited ${waited} ms (maxsize ${q.maxsize})`);
    }
  });

  it('a getSync blocked on an empty queue resumes within ms of a put in another process', async function () {
    if (portable) this.skip(); // forks a child: posix only (the spawn-based twins are in queues_pipes_processes.test.js)
    const q = new Queue();
    const pid = forkChild(() => {
      const t = Date.now();
      while (Date.now() - t < 100) {
        /* let the parent block past its spin */
      }
      q.putSync('late');
    });
    const start = Date.now();
    assert.equal(q.getSync(), 'late');
    const waited = Date.now() - start;
    await exitsCleanly(pid);
    assert.ok(waited < 200, `getSync waited ${waited} ms`);
  });

  it('get() does not block the event loop while it waits', async function () {
    if (portable) this.skip(); // forks a child: posix only (the spawn-based twins are in queues_pipes_processes.test.js)
    const q = new Queue();
    let ticks = 0;
    const timer = setInterval(() => {
      ticks++;
    }, 5);
    const pid = forkChild(() => {
      const t = Date.now();
      while (Date.now() - t < 80) {
        /* delay */
      }
      q.putSync('late');
    });
    assert.equal(await q.get(), 'late');
    clearInterval(timer);
    assert.ok(ticks >= 5, `only ${ticks} timer ticks ran while get() waited`);
    await exitsCleanly(pid);
  });

  it('get() with an aborted signal rejects with AbortError and the queue stays usable', async () => {
    const q = new Queue();
    const controller = new AbortController();
    const pending = q.get({ signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    await assert.rejects(pending, { name: 'AbortError' });
    q.putSync('after abort');
    assert.equal(await q.get(), 'after abort');
  });

  it('a 16 MiB item crosses a Queue between processes intact and leaves nothing in /dev/shm', async function () {
    if (portable) this.skip(); // forks a child: posix only (the spawn-based twins are in queues_pipes_processes.test.js)
    const q = new Queue();
    const size = 16 << 20;
    const before = ourShmEntries();
    const pid = forkChild(() => {
      const big = Buffer.alloc(size);
      for (let i = 0; i < size; i += 4096) big[i] = (i >> 12) & 0xff;
      q.putSync(big);
    });
    const got = await q.get();
    assert.equal(got.length, size);
    for (let i = 0; i < size; i += 4096) assert.equal(got[i], (i >> 12) & 0xff);
    await exitsCleanly(pid);
    assert.deepEqual(
      ourShmEntries().filter((n) => !before.includes(n)),
      [],
    );
  });

  it('an item larger than the ring goes through (never refused for size)', () => {
    const q = new Queue(0, { bufferSize: 4096 });
    const item = { text: 'x'.repeat(100000) };
    q.putSync(item);
    q.putSync('small after big');
    assert.deepEqual(q.getSync(), item);
    assert.equal(q.getSync(), 'small after big');
  });

  it('the ring wraps around with items of many sizes', () => {
    const q = new Queue(0, { bufferSize: 4096 });
    for (let round = 0; round < 200; round++) {
      const item = Buffer.alloc(1 + ((round * 37) % 1500), round & 0xff);
      q.putSync(item);
      assert.deepEqual(q.getSync(), item);
    }
  });

  it('putting a function throws ERR_UNCLONABLE, adds nothing, and the queue stays usable', () => {
    const q = new Queue();
    assert.throws(() => q.putSync({ run() {} }), { code: 'ERR_UNCLONABLE' });
    assert.equal(q.qsize(), 0);
    q.putSync('ok');
    assert.equal(q.getSync(), 'ok');
  });

  it('after close() a put in another process throws ERR_QUEUE_CLOSED', async function () {
    if (portable) this.skip(); // forks a child: posix only (the spawn-based twins are in queues_pipes_processes.test.js)
    const q = new Queue();
    q.close();
    const pid = forkChild(() => {
      try {
        q.putSync(1);
      } catch (err) {
        return err.code === 'ERR_QUEUE_CLOSED' ? 0 : 2;
      }
      return 1;
    });
    await exitsCleanly(pid);
    assert.equal(q.closed, true);
  });

  it('after close() get drains what is left, then throws ERR_QUEUE_CLOSED', async () => {
    const q = new Queue();
    q.putSync('a');
    q.putSync('b');
    q.close();
    assert.equal(q.getSync(), 'a');
    assert.equal(await q.get(), 'b');
    assert.throws(() => q.getSync(), { code: 'ERR_QUEUE_CLOSED' });
    await assert.rejects(q.get(), { code: 'ERR_QUEUE_CLOSED' });
  });

  it('close() wakes a get() that is waiting on an empty queue', async function () {
    if (portable) this.skip(); // forks a child: posix only (the spawn-based twins are in queues_pipes_processes.test.js)
    const q = new Queue();
    const pending = q.get();
    const pid = forkChild(() => {
      q.close();
    });
    await assert.rejects(pending, { code: 'ERR_QUEUE_CLOSED' });
    await exitsCleanly(pid);
  });

  it('async iteration yields items until the queue is closed and drained', async function () {
    if (portable) this.skip(); // forks a child: posix only (the spawn-based twins are in queues_pipes_processes.test.js)
    const q = new Queue();
    const pid = forkChild(() => {
      for (let i = 0; i < 5; i++) q.putSync(i);
      q.close();
    });
    const seen = [];
    for await (const item of q) seen.push(item);
    assert.deepEqual(seen, [0, 1, 2, 3, 4]);
    await exitsCleanly(pid);
  });

  it('joinThread() and cancelJoinThread() are no-ops (there is no feeder thread)', () => {
    const q = new Queue();
    q.putSync(1);
    assert.equal(q.joinThread(), undefined);
    assert.equal(q.cancelJoinThread(), undefined);
    assert.equal(q.getSync(), 1);
  });

  it('a bad maxsize or timeout throws ERR_INVALID_ARG_*', () => {
    assert.throws(() => new Queue(-1), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => new Queue(1.5), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => new Queue(0, { bufferSize: 10 }), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => new Queue().getSync({ timeout: 'soon' }), { code: 'ERR_INVALID_ARG_TYPE' });
  });

  it('a Queue reduces to its fd and the rebuilt copy shares the items', function () {
    if (portable) this.skip(); // posix internals (the addon's fds)
    const { reduce, rebuild } = require('../dist/reduction');
    const { native } = require('../dist/internal/native');
    const q = new JoinableQueue();
    const reduced = q[reduce]();
    assert.equal(reduced.kind, 'JoinableQueue');
    const copy = rebuild(reduced, [native.dup(reduced.fds[0])]);
    assert.ok(copy instanceof JoinableQueue);
    copy.putSync('through the copy');
    assert.equal(q.getSync(), 'through the copy');
    q.taskDone();
    copy.joinSync(0);
  });
});

describe('JoinableQueue', () => {
  it('join() resolves once children have called taskDone() for every item', async function () {
    if (portable) this.skip(); // forks a child: posix only (the spawn-based twins are in queues_pipes_processes.test.js)
    const q = new JoinableQueue();
    for (let i = 0; i < 20; i++) q.putSync(i);
    const pids = [0, 1].map(() =>
      forkChild(() => {
        for (;;) {
          let item;
          try {
            item = q.getSync({ timeout: 200 });
          } catch (err) {
            if (err instanceof Empty) return 0;
            throw err;
          }
          void item;
          q.taskDone();
        }
      }),
    );
    await q.join();
    assert.equal(q.qsize(), 0);
    for (const pid of pids) await exitsCleanly(pid);
  });

  it('taskDone() called once too many throws ERR_TASK_DONE_TOO_MANY', () => {
    const q = new JoinableQueue();
    q.putSync('x');
    q.getSync();
    q.taskDone();
    assert.throws(() => q.taskDone(), { code: 'ERR_TASK_DONE_TOO_MANY' });
  });

  it('joinSync(timeout) with unfinished tasks throws ERR_JOIN_TIMEOUT', async () => {
    const q = new JoinableQueue();
    q.putSync('x');
    assert.throws(() => q.joinSync(30), { code: 'ERR_JOIN_TIMEOUT' });
    await assert.rejects(q.join({ timeout: 30 }), { code: 'ERR_JOIN_TIMEOUT' });
  });
});

describe('SimpleQueue', () => {
  it('carries items from a child and reports empty()', async function () {
    if (portable) this.skip(); // forks a child: posix only (the spawn-based twins are in queues_pipes_processes.test.js)
    const q = new SimpleQueue();
    assert.equal(q.empty(), true);
    const pid = forkChild(() => {
      q.putSync('hello');
      q.putSync('world');
    });
    assert.equal(await q.get(), 'hello');
    assert.equal(q.getSync(), 'world');
    await exitsCleanly(pid);
    assert.equal(q.empty(), true);
  });
});

describe('Queue under failure and load', () => {
  it('4 producers x 4 consumers: every item arrives exactly once (checksum)', async function () {
    if (portable) this.skip(); // forks a child: posix only (the spawn-based twins are in queues_pipes_processes.test.js)
    this.timeout(60000);
    const total = Number(process.env.PMP_STRESS_ITEMS ?? 1000000);
    const producers = 4;
    const consumers = 4;
    const q = new Queue(10000);
    const results = new Queue();
    const per = total / producers;
    const consumerPids = Array.from({ length: consumers }, () =>
      forkChild(() => {
        let count = 0;
        let sum = 0;
        let mix = 0;
        for (;;) {
          const item = q.getSync();
          if (item === null) break;
          count++;
          sum += item;
          mix = (mix + ((item * 2654435761) % 1000000007)) % 1000000007;
        }
        results.putSync({ count, sum, mix });
      }),
    );
    const producerPids = Array.from({ length: producers }, (_, p) =>
      forkChild(() => {
        for (let i = p * per; i < (p + 1) * per; i++) q.putSync(i);
      }),
    );
    for (const pid of producerPids) await exitsCleanly(pid, 50000);
    for (let i = 0; i < consumers; i++) await q.put(null);
    let count = 0;
    let sum = 0;
    let mix = 0;
    for (let i = 0; i < consumers; i++) {
      const r = await results.get({ timeout: 50000 });
      count += r.count;
      sum += r.sum;
      mix = (mix + r.mix) % 1000000007;
    }
    for (const pid of consumerPids) await exitsCleanly(pid, 50000);
    let expectedMix = 0;
    for (let i = 0; i < total; i++) expectedMix = (expectedMix + ((i * 2654435761) % 1000000007)) % 1000000007;
    assert.equal(count, total);
    assert.equal(sum, (total * (total - 1)) / 2);
    assert.equal(mix, expectedMix);
  });

  it('a producer and a consumer SIGKILLed mid-operation leave the queue working for the others', async function () {
    if (portable) this.skip(); // forks a child: posix only (the spawn-based twins are in queues_pipes_processes.test.js)
    this.timeout(30000);
    const q = new Queue(0, { bufferSize: 1 << 20 });
    const itemSize = 100000;
    const pattern = (n) => Buffer.alloc(itemSize, n & 0xff);
    const intact = (buf) => buf.length === itemSize && buf[0] === buf[itemSize - 1] && buf[itemSize >> 1] === buf[0];
    const producer = () =>
      forkChild(() => {
        const item = pattern(0); // refilled in place: most of a put's time is then the copy under the lock
        for (let n = 0; ; n++) {
          item.fill(n & 0xff);
          try {
            q.putSync(item);
          } catch (err) {
            if (err.code === 'ERR_QUEUE_CLOSED') return 0;
            throw err;
          }
        }
      });
    const consumer = () =>
      forkChild(() => {
        for (;;) {
          let item;
          try {
            item = q.getSync();
          } catch (err) {
            if (err.code === 'ERR_QUEUE_CLOSED') return 0;
            throw err;
          }
          if (!intact(item)) return 3;
        }
      });
    const survivors = [producer(), consumer()];
    // Kill fresh producer/consumer pairs until one of them died holding the lock.
    for (let round = 0; round < 60 && q.recoveredLocks === 0; round++) {
      const doomed = [producer(), consumer()];
      await sleep(15 + (round % 5) * 7);
      for (const pid of doomed) posix.kill(pid, 'SIGKILL');
      for (const pid of doomed) assert.equal((await waitExit(pid)).signal, 9);
      q.qsize(); // takes the lock: recovers it if its holder died
    }
    assert.ok(q.recoveredLocks > 0, 'no kill landed while the lock was held in 60 rounds');
    await sleep(100); // the survivors keep going
    q.close();
    for (const pid of survivors) await exitsCleanly(pid, 10000);
    // Whatever is left is intact.
    for (;;) {
      let item;
      try {
        item = q.getSync({ block: false });
      } catch {
        break;
      }
      assert.ok(intact(item));
    }
  });
});
