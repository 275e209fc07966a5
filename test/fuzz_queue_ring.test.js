'use strict';
// Property-based tests (fast-check) of the Queue's shared-memory ring as
// another process could leave it: the records are memory any process holding
// the queue can write. Whatever bytes are in it, a get returns a value or
// throws an Error, within a bounded time; it never reads outside the ring,
// crashes, or opens a shared-memory object the library did not make. (The
// locks' own words are left alone: a process that forges a lock owner can
// stall the queue's users, as with any process-shared mutex.)
// FUZZ_RUNS=n runs each property n times.
const assert = require('node:assert/strict');
const fc = require('fast-check');
const { Queue } = require('..');
const { native } = require('../dist/internal/native');

const { fuzzRuns, fuzzTimeout } = require('./helpers/fuzz_runs');
const RUNS = fuzzRuns(200);
const posix = process.env.PMP_BACKEND !== 'portable';
const SPILLED = 1; // RecordKind.Spilled: the record holds `<size>:<segment name>`
const STRUCTURED_TAG = 0; // any codec tag: the spilled record is refused before decoding

/** The queue's ring as bytes this test can write, like another process holding it. */
function ringOf(queue) {
  const [fd] = queue.kernel.reduced().fds;
  return native.mapShared(fd, native.fdSize(fd));
}

/**
 * Puts `items` in a small queue, lets `overwrite` change its ring, then gets
 * as many: each get returns a value or throws an Error, and the queue closes.
 */
function getEachAfter(items, overwrite) {
  const queue = new Queue(0, { bufferSize: 4096 }); // items past 2 KiB spill to their own segment
  try {
    for (const item of items) queue.putSync(item);
    overwrite(ringOf(queue));
    for (let i = 0; i < items.length; i++) {
      try {
        queue.getSync({ timeout: 0 });
      } catch (err) {
        assert.ok(err instanceof Error, `a get threw ${String(err)}`);
      }
    }
  } finally {
    queue.close();
  }
}

describe('fuzz: the Queue ring as other processes left it', function () {
  this.timeout(fuzzTimeout(RUNS));
  before(function () {
    if (!posix) this.skip(); // the ring is the posix backend's
  });

  it('records overwritten with random bytes: every get returns a value or throws an Error, and the queue can still be closed', () => {
    const headerSize = native.ringLayout.headerSize;
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string(), fc.integer(), fc.uint8Array({ maxLength: 3000 })), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.array(fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 16 })), { minLength: 1, maxLength: 6 }),
        (items, writes) =>
          getEachAfter(items, (ring) => {
            const records = ring.length - headerSize;
            // Mostly where the items are (the first bytes of the data area), sometimes anywhere.
            for (const [at, bytes] of writes) {
              const offset = at % (at & 1 ? records : 512);
              ring.set(bytes.subarray(0, records - offset), headerSize + offset);
            }
          }),
      ),
      { numRuns: RUNS },
    );
  });

  it('the put and get positions overwritten with random values: every get returns a value or throws an Error', () => {
    const { putSeq, getSeq } = native.ringLayout;
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string(), fc.integer()), { minLength: 1, maxLength: 8 }),
        fc.constantFrom(putSeq, getSeq),
        fc.bigUint64Array({ minLength: 1, maxLength: 1 }),
        (items, word, [value]) => getEachAfter(items, (ring) => ring.writeBigUInt64LE(value, word)),
      ),
      { numRuns: RUNS },
    );
  });

  it('a record whose length runs past what was put is refused with ERR_QUEUE_CORRUPT, and nothing is taken', () => {
    const queue = new Queue(0, { bufferSize: 4096 });
    queue.putSync('a real item');
    const ring = ringOf(queue);
    const first = native.ringLayout.headerSize; // the first record starts the data area
    ring.writeUInt32LE(4000, first);
    assert.throws(() => queue.getSync({ timeout: 0 }), { code: 'ERR_QUEUE_CORRUPT' });
    assert.throws(
      () => queue.getSync({ timeout: 0 }),
      { code: 'ERR_QUEUE_CORRUPT' },
      'still refused: nothing was taken',
    );
    queue.close();
  });

  it('a spilled record naming a segment the library did not make is refused; that segment is neither opened nor unlinked', () => {
    const victim = `pmp-fuzz-victim-${process.pid}`;
    const fd = native.shmOpen(victim, 'create-exclusive', 64);
    native.close(fd);
    const queue = new Queue(0, { bufferSize: 4096 });
    try {
      const handle = native.ringHandle(ringOf(queue));
      native.ringPut(handle, SPILLED * 256 + STRUCTURED_TAG, Buffer.from(`64:${victim}`), 0);
      assert.throws(() => queue.getSync({ timeout: 0 }), { code: 'ERR_QUEUE_CORRUPT' });
      native.close(native.shmOpen(victim, 'open')); // still there: throws ENOENT if it was unlinked
    } finally {
      queue.close();
      native.shmUnlink(victim);
    }
  });
});
