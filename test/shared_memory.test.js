'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { SharedMemory } = require('..');
const { forkChild, waitExit } = require('./helpers/fork_child');
const { portable, startChild, exitsCleanly: childExitsCleanly, reapChildren } = require('./helpers/children');
const { writeShared } = require('./fixtures/sync_targets');

// The call that failed: the portable backend's segments are files.
const SHM_OPEN = portable ? 'open' : 'shm_open';
const SHM_UNLINK = portable ? 'unlink' : 'shm_unlink';

async function exitsCleanly(pid) {
  const status = await waitExit(pid);
  assert.equal(status.exitCode, 0, `child ${pid} exited with ${status.exitCode} (signal ${status.signal})`);
}

describe('SharedMemory', () => {
  afterEach(reapChildren);

  it('a write by a child through write() is seen by the parent through read()', async () => {
    const shm = new SharedMemory({ create: true, size: 4096 });
    try {
      await childExitsCleanly(startChild(writeShared, shm, [...Buffer.from('from the child')], 10));
      assert.equal(shm.read(10, 14).toString('utf8'), 'from the child');
    } finally {
      shm.close();
      shm.unlink();
    }
  });

  it('a write by a child through buf is seen by the parent', async function () {
    if (portable) this.skip(); // posix: buf is mapped memory (the portable backend has read()/write() only)
    const shm = new SharedMemory({ create: true, size: 4096 });
    const pid = forkChild(() => {
      shm.buf.write('from the child', 10);
    });
    await exitsCleanly(pid);
    assert.equal(shm.buf.toString('utf8', 10, 24), 'from the child');
    shm.close();
    shm.unlink();
  });

  it('opening by name maps the same bytes, with the size of the segment', function () {
    if (portable) this.skip(); // posix: buf is mapped memory (read()/write() are in shared_memory_access.test.js)
    const creator = new SharedMemory({ create: true, size: 10000 });
    creator.buf[9999] = 42;
    const opened = new SharedMemory({ name: creator.name });
    assert.equal(opened.size, 10000);
    assert.equal(opened.buf[9999], 42);
    opened.buf[0] = 7;
    assert.equal(creator.buf[0], 7);
    opened.close();
    creator.close();
    creator.unlink();
  });

  it('a generated name starts with pmp- and shows in /dev/shm until unlink()', function () {
    if (portable) this.skip(); // posix internals: /dev/shm names
    const shm = new SharedMemory({ create: true, size: 1 });
    assert.match(shm.name, /^pmp-/);
    assert.ok(fs.existsSync(`/dev/shm/${shm.name}`));
    shm.unlink();
    assert.ok(!fs.existsSync(`/dev/shm/${shm.name}`));
    shm.buf[0] = 1; // the mapping outlives the name
    shm.close();
  });

  it('buf is a Buffer over the mapping, not a copy', function () {
    if (portable) this.skip(); // posix: buf is mapped memory (read()/write() are in shared_memory_access.test.js)
    const shm = new SharedMemory({ create: true, size: 64 });
    const again = shm.buf;
    shm.buf[3] = 9;
    assert.equal(again[3], 9);
    assert.ok(Buffer.isBuffer(shm.buf));
    shm.close();
    shm.unlink();
  });

  it('creating with size 0 or a negative size throws ERR_INVALID_ARG_VALUE', () => {
    assert.throws(() => new SharedMemory({ create: true, size: 0 }), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => new SharedMemory({ create: true, size: -5 }), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => new SharedMemory({ create: true }), { code: 'ERR_INVALID_ARG_VALUE' });
  });

  it('opening without a name throws ERR_INVALID_ARG_VALUE', () => {
    assert.throws(() => new SharedMemory({}), { code: 'ERR_INVALID_ARG_VALUE' });
  });

  it('creating a name that exists throws EEXIST', () => {
    const shm = new SharedMemory({ create: true, size: 16 });
    assert.throws(() => new SharedMemory({ name: shm.name, create: true, size: 16 }), {
      code: 'EEXIST',
      syscall: SHM_OPEN,
    });
    shm.close();
    shm.unlink();
  });

  it('opening a name that does not exist throws ENOENT', () => {
    assert.throws(() => new SharedMemory({ name: 'pmp-test-no-such-segment' }), {
      code: 'ENOENT',
      syscall: SHM_OPEN,
    });
  });

  it('a second unlink() throws ENOENT', () => {
    const shm = new SharedMemory({ create: true, size: 16 });
    shm.unlink();
    assert.throws(() => shm.unlink(), { code: 'ENOENT', syscall: SHM_UNLINK });
    shm.close();
  });

  it('buf after close() throws ERR_SHARED_MEMORY_CLOSED', function () {
    if (portable) this.skip(); // posix: buf is mapped memory (read()/write() are in shared_memory_access.test.js)
    const shm = new SharedMemory({ create: true, size: 16 });
    shm.close();
    assert.throws(() => shm.buf, { code: 'ERR_SHARED_MEMORY_CLOSED' });
    shm.close(); // harmless twice
    shm.unlink();
  });

  it('a SharedMemory reduces to its name and rebuilds over the same bytes', function () {
    if (portable) this.skip(); // posix: buf is mapped memory (read()/write() are in shared_memory_access.test.js)
    const { reduce, rebuild } = require('../dist/reduction');
    const shm = new SharedMemory({ create: true, size: 32 });
    try {
      const reduced = shm[reduce]();
      // byName: reached by its name, so every channel may carry it (lib/reduction.ts).
      assert.deepEqual(reduced, { kind: 'SharedMemory', state: { name: shm.name }, byName: true });
      const copy = rebuild(reduced);
      copy.buf[5] = 55;
      assert.equal(shm.buf[5], 55);
      copy.close();
    } finally {
      shm.close();
      shm.unlink();
    }
  });
});
