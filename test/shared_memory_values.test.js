'use strict';
const assert = require('node:assert/strict');
const { Value, RawValue, Array: SharedArray, RawArray } = require('..');
const { RLock, Lock } = require('../dist/synchronize');
const { forkChild, waitExit } = require('./helpers/fork_child');
const { portable, startChild, exitsCleanly: childExitsCleanly, reapChildren } = require('./helpers/children');
const targets = require('./fixtures/sync_targets');

async function exitsCleanly(pid) {
  const status = await waitExit(pid);
  assert.equal(status.exitCode, 0, `child ${pid} exited with ${status.exitCode} (signal ${status.signal})`);
}

describe('Value and Array', () => {
  afterEach(reapChildren);

  it('a Value changed in a child is seen by the parent', async () => {
    const v = Value('d', 1.5);
    await childExitsCleanly(startChild(targets.setValue, v, 2.25));
    assert.equal(v.value, 2.25);
  });

  it('an Array element set in a child is seen by the parent through arr[i]', async () => {
    const arr = SharedArray('int32', [1, 2, 3]);
    await childExitsCleanly(
      startChild(targets.setItems, arr, [
        [1, -7],
        [2, 9],
      ]),
    );
    assert.deepEqual(Array.from(arr), [1, -7, 9]);
    assert.equal(arr.length, 3);
  });

  it("an Array is a real typed array over shared memory; a child's writes are seen", async function () {
    if (portable) this.skip(); // posix: the portable backend cannot map memory (a SharedCellArray instead)
    const arr = SharedArray('int32', [1, 2, 3]);
    assert.ok(arr instanceof Int32Array);
    const pid = forkChild(() => {
      arr[1] = -7;
      arr.fill(9, 2);
    });
    await exitsCleanly(pid);
    assert.deepEqual(Array.from(arr), [1, -7, 9]);
  });

  it('Python type codes and names map to the matching typed arrays', function () {
    if (portable) this.skip(); // posix: typed arrays over mapped memory
    const expected = {
      b: Int8Array,
      B: Uint8Array,
      h: Int16Array,
      H: Uint16Array,
      i: Int32Array,
      I: Uint32Array,
      l: BigInt64Array,
      L: BigUint64Array,
      q: BigInt64Array,
      Q: BigUint64Array,
      f: Float32Array,
      d: Float64Array,
      int8: Int8Array,
      uint16: Uint16Array,
      float32: Float32Array,
      float64: Float64Array,
      int64: BigInt64Array,
    };
    for (const [code, ctor] of Object.entries(expected)) {
      assert.ok(RawArray(code, 2) instanceof ctor, code);
      assert.ok(RawValue(code).getObj() instanceof ctor, code);
    }
  });

  it('64-bit types hold BigInts', () => {
    const v = Value('q', 2n ** 40n);
    v.value = -5n;
    assert.equal(v.value, -5n);
  });

  it('an unknown type throws ERR_INVALID_ARG_VALUE naming the valid ones', () => {
    assert.throws(() => Value('z'), { code: 'ERR_INVALID_ARG_VALUE', message: /type code/ });
    assert.throws(() => SharedArray('float128', 3), { code: 'ERR_INVALID_ARG_VALUE' });
  });

  it('Value and Array have an RLock by default; Raw ones and lock:false have none', () => {
    assert.ok(Value('i').getLock() instanceof RLock);
    assert.ok(SharedArray('i', 2).getLock() instanceof RLock);
    assert.throws(() => RawValue('i').getLock(), { code: 'ERR_NO_LOCK' });
    assert.throws(() => RawArray('i', 2).getLock(), { code: 'ERR_NO_LOCK' });
    assert.throws(() => Value('i', 0, { lock: false }).getLock(), { code: 'ERR_NO_LOCK' });
  });

  it("a given Lock is used as the value's lock", () => {
    const lock = new Lock();
    assert.equal(Value('i', 0, { lock }).getLock(), lock);
  });

  it('increments under getLock() from four children lose nothing', async () => {
    const counter = Value('i', 0);
    const children = [0, 1, 2, 3].map(() => startChild(targets.incrementValue, counter, 500));
    for (const child of children) await childExitsCleanly(child, 30000);
    assert.equal(counter.value, 2000);
  });

  it('a Value reduces to its fd (and its lock) and rebuilds over the same memory', function () {
    if (portable) this.skip(); // posix internals: fds of mapped memory
    const { reduce, rebuild } = require('../dist/reduction');
    const { native } = require('../dist/internal/native');
    const v = Value('i', 3);
    const reduced = v[reduce]();
    assert.equal(reduced.kind, 'SharedValue');
    const copy = rebuild(
      reduced,
      reduced.fds.map((fd) => native.dup(fd)),
    );
    copy.value = 11;
    assert.equal(v.value, 11);
    const arr = RawArray('d', [0.5, 1.5]);
    const arrCopy = rebuild(arr[reduce](), [native.dup(arr[reduce]().fds[0])]);
    arrCopy[1] = 8;
    assert.equal(arr[1], 8);
  });
});
