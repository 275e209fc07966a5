// SharedMemory.read() and write(): the accessors both backends have.
'use strict';
const assert = require('node:assert/strict');
const { SharedMemory } = require('..');

describe('SharedMemory read() and write()', () => {
  let shm;
  beforeEach(() => {
    shm = new SharedMemory({ create: true, size: 16 });
  });
  afterEach(() => {
    shm.close();
    shm.unlink();
  });

  it('write() then read() at an offset gives the bytes back', () => {
    shm.write(Buffer.from('hello'), 3);
    assert.deepStrictEqual(shm.read(3, 5), Buffer.from('hello'));
  });

  it('read() with no arguments copies the whole segment, zeroed when new', () => {
    assert.deepStrictEqual(shm.read(), Buffer.alloc(16));
  });

  it('read(offset) reads to the end', () => {
    shm.write(Uint8Array.of(1, 2), 14);
    assert.deepStrictEqual(shm.read(14), Buffer.from([1, 2]));
  });

  it('read() returns a copy: changing it does not change the segment', () => {
    const copy = shm.read(0, 4);
    copy[0] = 9;
    assert.strictEqual(shm.read(0, 1)[0], 0);
  });

  it('a second SharedMemory opened by name reads what the first wrote', () => {
    const other = new SharedMemory({ name: shm.name });
    try {
      shm.write(Buffer.from([7, 8, 9]), 0);
      assert.deepStrictEqual(other.read(0, 3), Buffer.from([7, 8, 9]));
      assert.strictEqual(other.size, 16);
    } finally {
      other.close();
    }
  });

  it('a write past the end throws ERR_OUT_OF_RANGE and changes nothing', () => {
    assert.throws(() => shm.write(Buffer.alloc(4, 1), 13), { code: 'ERR_OUT_OF_RANGE', message: /past the end/ });
    assert.deepStrictEqual(shm.read(), Buffer.alloc(16));
  });

  it('a read past the end throws ERR_OUT_OF_RANGE', () => {
    assert.throws(() => shm.read(10, 7), { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => shm.read(17), { code: 'ERR_OUT_OF_RANGE' });
  });

  it('bad offsets, lengths and sources throw ERR_INVALID_ARG_TYPE', () => {
    assert.throws(() => shm.read(-1), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => shm.read(0, 1.5), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => shm.write('text'), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => shm.write(Buffer.alloc(1), '1'), { code: 'ERR_INVALID_ARG_TYPE' });
  });

  it('read() and write() after close() throw ERR_SHARED_MEMORY_CLOSED', () => {
    const other = new SharedMemory({ name: shm.name });
    other.close();
    assert.throws(() => other.read(), { code: 'ERR_SHARED_MEMORY_CLOSED' });
    assert.throws(() => other.write(Buffer.alloc(1)), { code: 'ERR_SHARED_MEMORY_CLOSED' });
  });
});
