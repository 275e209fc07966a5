'use strict';
// Argument errors of the synchronisation primitives and their native layer
// (the behaviour-level errors live beside each primitive's tests).
const assert = require('node:assert');
const fs = require('node:fs');
const { Lock, Semaphore, Condition, Barrier } = require('..');
const { waitUntilChanged, waitSync } = require('../dist/wait/waiter');
const { native } = require('../dist/internal/native');
const { randomOsName } = require('../dist/internal/os_names');
const { runNode } = require('./helpers/run_node');

const portable = process.env.PMP_BACKEND === 'portable';

describe('synchronisation argument errors', function () {
  it('acquire() options that are not an object throw ERR_INVALID_ARG_TYPE', async function () {
    const lock = new Lock();
    lock.acquireSync();
    assert.throws(() => lock.acquireSync(5), { code: 'ERR_INVALID_ARG_TYPE' });
    await assert.rejects(new Semaphore(0).acquire('now'), { code: 'ERR_INVALID_ARG_TYPE' });
    lock.release();
  });

  it('a Semaphore released past 2^31-1 throws ERR_SEMAPHORE_OVER_RELEASED', function () {
    const sem = new Semaphore(0x7fffffff);
    assert.throws(() => sem.release(), { code: 'ERR_SEMAPHORE_OVER_RELEASED' });
    assert.strictEqual(sem.getValue(), 0x7fffffff);
  });

  it('notify(n) with a negative n throws ERR_INVALID_ARG_VALUE', function () {
    const cond = new Condition();
    cond.acquireSync();
    assert.throws(() => cond.notify(-1), { code: 'ERR_INVALID_ARG_VALUE' });
    cond.release();
  });

  it('a Barrier action that is not a function, or a bad timeout, throws ERR_INVALID_ARG_TYPE', function () {
    assert.throws(() => new Barrier(2, { action: 'go' }), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => new Barrier(2, { timeout: 'soon' }), { code: 'ERR_INVALID_ARG_TYPE' });
  });

  it('waitUntilChanged()/waitSync() refuse a non-view and a bad timeout with ERR_INVALID_ARG_TYPE', async function () {
    if (portable) this.skip(); // the futex waiter: posix internals
    await assert.rejects(waitUntilChanged([0], 0, 0), { code: 'ERR_INVALID_ARG_TYPE' });
    const view = new Int32Array(4);
    await assert.rejects(waitUntilChanged(view, 0, 0, { timeout: 'x' }), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => waitSync(view, 0, 0, 'x'), { code: 'ERR_INVALID_ARG_TYPE' });
  });
});

describe('native shared memory (native/shm.cc)', function () {
  before(function () {
    if (portable) this.skip(); // the addon's own calls: posix internals
  });

  it('unmap() detaches the Buffer and a second unmap() throws', function () {
    const fd = native.anonymousShared(4096);
    try {
      assert.strictEqual(native.fdSize(fd), 4096);
      const buf = native.mapShared(fd, 4096);
      buf[0] = 1;
      native.unmap(buf);
      assert.strictEqual(buf.length, 0);
      assert.throws(() => native.unmap(buf), /not a live mapping/);
      assert.throws(() => native.unmap(Buffer.alloc(8)), /not a live mapping/);
    } finally {
      native.close(fd);
    }
  });

  it('unmap() of a Buffer with an async wait pending on it does not crash the waiter thread', async function () {
    const fd = native.anonymousShared(4096);
    const buf = native.mapShared(fd, 4096);
    native.close(fd);
    const pending = waitUntilChanged(buf, 0, 0, { timeout: 200 });
    native.unmap(buf);
    assert.ok(['changed', 'timeout'].includes(await pending));
  });

  it('mapShared() of 0 bytes throws EINVAL and shmOpen() refuses unknown flags', function () {
    const fd = native.anonymousShared(4096);
    try {
      assert.throws(() => native.mapShared(fd, 0), { code: 'EINVAL', syscall: 'mmap' });
    } finally {
      native.close(fd);
    }
    assert.throws(() => native.shmOpen(randomOsName(), 'truncate', 4096), TypeError);
  });

  it('shmOpen() reports EEXIST and ENOENT with code, errno, syscall and path', function () {
    const name = randomOsName();
    assert.throws(() => native.shmOpen(name, 'open'), {
      code: 'ENOENT',
      errno: -2,
      syscall: 'shm_open',
      path: `/${name}`,
    });
    native.close(native.shmOpen(name, 'create-exclusive', 64));
    try {
      assert.throws(() => native.shmOpen(name, 'create-exclusive', 64), { code: 'EEXIST', syscall: 'shm_open' });
      const fd = native.shmOpen(name, 'create', 8192); // grows an existing, smaller object
      assert.strictEqual(native.fdSize(fd), 8192);
      native.close(fd);
    } finally {
      native.shmUnlink(name);
    }
    assert.throws(() => native.shmUnlink(name), { code: 'ENOENT', syscall: 'shm_unlink' });
  });
});

describe('resource tracker, normal exit', function () {
  before(function () {
    if (portable) this.skip(); // the resource tracker unlinks POSIX named objects: posix only
  });

  it('unlinks a registered named semaphore after its creator exits normally', async function () {
    const name = randomOsName();
    const file = `/dev/shm/sem.${name}`;
    fs.writeFileSync(file, Buffer.alloc(32), { mode: 0o600 }); // what sem_open leaves on Linux
    const script = `require('./dist/resource_tracker').trackResource('sem', process.argv[1]);`;
    try {
      const result = await runNode(['-e', script, name]);
      assert.strictEqual(result.code, 0, result.stderr);
      const deadline = Date.now() + 10000;
      while (fs.existsSync(file) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
      assert.ok(!fs.existsSync(file), `${file} still exists 10 s after its creator exited`);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });
});
