// The native entries that take a timeout (native/timeout.h), called directly:
// they must be safe on their own, whatever lib/ clamps. Their contract is
// lib/internal/native.ts's: milliseconds, a negative value waits forever.
'use strict';
const assert = require('node:assert/strict');
const { native } = require('../dist/internal/native');
const { forkChild, waitExit } = require('./helpers/fork_child');

const RING_CAPACITY = 4096;
const READABLE = 1;
const NOT_NUMBERS = [NaN, 'abc', null, {}];

function sleepMs(ms) {
  native.poll([], READABLE, ms);
}

// Runs `action` in a forked child after `delayMs`, while the parent blocks in
// `wait`; returns what `wait` returned and how long it took.
async function waitWhileChildActs(delayMs, action, wait) {
  const pid = forkChild(() => {
    sleepMs(delayMs);
    action();
  });
  const start = performance.now();
  let result;
  try {
    result = wait();
  } finally {
    assert.equal((await waitExit(pid)).exitCode, 0);
  }
  return { result, elapsed: performance.now() - start };
}

function sharedBuffer(size) {
  const fd = native.anonymousShared(size);
  try {
    return native.mapShared(fd, size);
  } finally {
    native.close(fd);
  }
}

function newRing() {
  const buffer = sharedBuffer(native.ringLayout.headerSize + RING_CAPACITY);
  native.ringInit(buffer, RING_CAPACITY, 0);
  return native.ringHandle(buffer);
}

function assertInvalidTimeout(call, value) {
  assert.throws(call, (err) => {
    assert.ok(err instanceof TypeError, `${String(value)}: ${err}`);
    assert.equal(err.code, 'ERR_INVALID_ARG_TYPE');
    assert.match(err.message, /timeoutMs must be a number/);
    return true;
  });
}

describe('native timeouts (native/timeout.h)', () => {
  describe('poll()', () => {
    it('refuses NaN and non-numbers with ERR_INVALID_ARG_TYPE', () => {
      for (const value of NOT_NUMBERS) assertInvalidTimeout(() => native.poll([], READABLE, value), value);
    });

    for (const forever of [Infinity, 1e300, -1]) {
      it(`with ${forever} waits until the fd is readable`, async () => {
        const [readFd, writeFd] = native.pipe();
        try {
          const { result, elapsed } = await waitWhileChildActs(
            100,
            () => native.write(writeFd, Buffer.from('x'), 0, 1),
            () => native.poll([readFd], READABLE, forever),
          );
          assert.deepEqual(result, [0]);
          assert.ok(elapsed >= 80, `returned after ${elapsed} ms, before the child wrote`);
        } finally {
          native.close(readFd);
          native.close(writeFd);
        }
      });
    }

    it('with 0 returns at once when nothing is ready', () => {
      const [readFd, writeFd] = native.pipe();
      const start = performance.now();
      assert.deepEqual(native.poll([readFd], READABLE, 0), []);
      assert.ok(performance.now() - start < 50);
      native.close(readFd);
      native.close(writeFd);
    });
  });

  describe('futexWait()', () => {
    it('refuses NaN and non-numbers with ERR_INVALID_ARG_TYPE', () => {
      const word = sharedBuffer(4096);
      for (const value of NOT_NUMBERS) assertInvalidTimeout(() => native.futexWait(word, 0, 0, value), value);
    });

    for (const forever of [Infinity, 1e300, -1]) {
      it(`with ${forever} sleeps until another process wakes the word`, async () => {
        const word = sharedBuffer(4096);
        const view = new Int32Array(word.buffer, word.byteOffset, 1);
        const { result, elapsed } = await waitWhileChildActs(
          100,
          () => {
            Atomics.store(view, 0, 1);
            native.futexWake(word, 0, 1);
          },
          () => native.futexWait(word, 0, 0, forever),
        );
        assert.equal(result, 'woken');
        assert.ok(elapsed >= 80, `returned after ${elapsed} ms, before the child woke it`);
      });
    }

    it('with 0 times out at once', () => {
      assert.equal(native.futexWait(sharedBuffer(4096), 0, 0, 0), 'timed-out');
    });
  });

  describe('ring calls', () => {
    it('ringPut(), ringGet() and ringJoin() refuse NaN and non-numbers with ERR_INVALID_ARG_TYPE', () => {
      const ring = newRing();
      for (const value of NOT_NUMBERS) {
        assertInvalidTimeout(() => native.ringPut(ring, 0, Buffer.from('x'), value), value);
        assertInvalidTimeout(() => native.ringGet(ring, Buffer.alloc(16), 0, value), value);
        assertInvalidTimeout(() => native.ringJoin(ring, value), value);
      }
    });

    for (const forever of [Infinity, 1e300, -1]) {
      it(`ringGet() with ${forever} waits until another process puts an item`, async () => {
        const ring = newRing();
        const target = Buffer.alloc(16);
        const { result, elapsed } = await waitWhileChildActs(
          100,
          () => assert.equal(native.ringPut(ring, 7, Buffer.from('hi'), 0), 0),
          () => native.ringGet(ring, target, 0, forever),
        );
        assert.equal(result, 2 * 1024 + 7); // length * 1024 + kind * 256 + tag
        assert.equal(target.toString('utf8', 0, 2), 'hi');
        assert.ok(elapsed >= 80, `returned after ${elapsed} ms, before the child put`);
      });
    }

    it('ringJoin() with Infinity returns at once when no task is unfinished', () => {
      assert.equal(native.ringJoin(newRing(), Infinity), 0);
    });

    it('ringInit() and ringUnwait() refuse NaN and Infinity with a RangeError', () => {
      const buffer = sharedBuffer(native.ringLayout.headerSize + RING_CAPACITY);
      for (const bad of [NaN, Infinity, -Infinity]) {
        assert.throws(() => native.ringInit(buffer, bad, 0), RangeError);
        assert.throws(() => native.ringInit(buffer, RING_CAPACITY, bad), RangeError);
      }
      native.ringInit(buffer, RING_CAPACITY, 0);
      const ring = native.ringHandle(buffer);
      for (const bad of [NaN, Infinity, -1, 1.5]) assert.throws(() => native.ringUnwait(ring, bad), RangeError);
    });
  });
});
