'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { SharedMemory } = require('..');
const { forkChild, waitExit } = require('./helpers/fork_child');

async function exitsCleanly(pid) {
  const status = await waitExit(pid);
  assert.equal(status.exitCode, 0, `child ${pid} exited with ${status.exitCode} (signal ${status.signal})`);
}

describe('SharedMemory', () => {
  it('a write by a child through buf is seen by the parent', async () => {
    const shm = new SharedMemory({ create: true, size: 4096 });
    const pid = forkChild(() => {
      shm.buf.write('from the child', 10);
    });
    await exitsCleanly(pid);
    assert.equal(shm.buf.toString('utf8', 10, 24), 'from the child');
    shm.close();
    shm.unlink();
  });

  it('opening by name maps the same bytes, with the size of the segment', () => {
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

  it('a generated name starts with pmp- and shows in /dev/shm until unlink()', () => {
    const shm = new SharedMemory({ create: true, size: 1 });
    assert.match(shm.name, /^pmp-/);
    assert.ok(fs.existsSync(`/dev/shm/${shm.name}`));
    shm.unlink();
    assert.ok(!fs.existsSync(`/dev/shm/${shm.name}`));
    shm.buf[0] = 1; // the mapping outlives the name
    shm.close();
  });

  it('buf is a Buffer over the mapping, not a copy', () => {
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
      syscall: 'shm_open',
    });
    shm.close();
    shm.unlink();
  });

  it('opening a name that does not exist throws ENOENT', () => {
    assert.throws(() => new SharedMemory({ name: 'pmp-test-no-such-segment' }), {
      code: 'ENOENT',
      syscall: 'shm_open',
    });
  });

  it('a second unlink() throws ENOENT', () => {
    const shm = new SharedMemory({ create: true, size: 16 });
    shm.unlink();
    assert.throws(() => shm.unlink(), { code: 'ENOENT', syscall: 'shm_unlink' });
    shm.close();
  });

  it('buf after close() throws ERR_SHARED_MEMORY_CLOSED', () => {
    const shm = new SharedMemory({ create: true, size: 16 });
    shm.close();
    assert.throws(() => shm.buf, { code: 'ERR_SHARED_MEMORY_CLOSED' });
    shm.close(); // harmless twice
    shm.unlink();
  });

  it('a SharedMemory reduces to its name and rebuilds over the same bytes', () => {
    const { reduce, rebuild } = require('../dist/reduction');
    const shm = new SharedMemory({ create: true, size: 32 });
    const reduced = shm[reduce]();
    assert.deepEqual(reduced, { kind: 'SharedMemory', state: { name: shm.name } });
    const copy = rebuild(reduced);
    copy.buf[5] = 55;
    assert.equal(shm.buf[5], 55);
    copy.close();
    shm.close();
    shm.unlink();
  });
});
