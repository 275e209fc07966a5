'use strict';
// What values survive a Queue (and a Pipe) unchanged: plain trees take the
// encoder without reference tracking, everything else the tracking one; both
// must round-trip exactly, and the landing slab must never mix items up.
const assert = require('node:assert/strict');
const { Queue, Pipe } = require('..');
const { runNode } = require('./helpers/run_node');

const portable = process.env.PMP_BACKEND === 'portable';

function throughQueue(value) {
  const q = new Queue();
  q.putSync(value);
  return q.getSync();
}

describe('values through a Queue', () => {
  it('a plain tree of objects, arrays and primitives round-trips exactly', () => {
    const tree = {
      id: 42,
      name: 'widget',
      tags: ['a', 'b'],
      price: 9.99,
      ok: true,
      none: null,
      deep: [[1, [2, { x: -0.5 }]]],
      text: 'é☃',
    };
    assert.deepEqual(throughQueue(tree), tree);
  });

  it('-0 keeps its sign alone and inside arrays and plain objects (cbor-x alone writes it as 0)', () => {
    assert.ok(Object.is(throughQueue(-0), -0));
    assert.ok(Object.is(throughQueue(0), 0));
    const got = throughQueue({ list: [1, -0, 0, { deep: -0 }], zero: -0, plus: 0 });
    assert.ok(Object.is(got.list[1], -0) && Object.is(got.list[3].deep, -0) && Object.is(got.zero, -0));
    assert.ok(Object.is(got.list[2], 0) && Object.is(got.plus, 0));
  });

  it('an object reached twice stays one object (shared reference)', () => {
    const shared = { n: 1 };
    const got = throughQueue({ a: shared, b: shared, list: [shared] });
    assert.equal(got.a, got.b);
    assert.equal(got.list[0], got.a);
  });

  it('a cycle survives', () => {
    const root = { name: 'root', children: [] };
    root.children.push({ parent: root });
    const got = throughQueue(root);
    assert.equal(got.children[0].parent, got);
  });

  it('a tree of more objects than the fast path checks round-trips exactly', () => {
    const many = { rows: Array.from({ length: 100 }, (_, i) => ({ i, s: `row-${i}` })) };
    assert.deepEqual(throughQueue(many), many);
  });

  it('class instances, Maps and Dates inside a plain-looking object keep their types', () => {
    const got = throughQueue({ when: new Date(5), map: new Map([[1, { y: 2 }]]), set: new Set([3]) });
    assert.equal(got.when.getTime(), 5);
    assert.deepEqual(got.map, new Map([[1, { y: 2 }]]));
    assert.deepEqual(got.set, new Set([3]));
  });

  it('a function or symbol deep inside a plain tree throws ERR_UNCLONABLE and the queue stays usable', () => {
    const q = new Queue();
    assert.throws(() => q.putSync({ a: [{ b: () => 1 }] }), { code: 'ERR_UNCLONABLE' });
    assert.throws(() => q.putSync({ a: [Symbol('s')] }), { code: 'ERR_UNCLONABLE' });
    q.putSync({ fine: true });
    assert.deepEqual(q.getSync(), { fine: true });
    assert.equal(q.qsize(), 0);
  });

  it('structured items and kept Buffers of many sizes, interleaved, each arrive intact', () => {
    const q = new Queue();
    const sent = [];
    for (let i = 0; i < 3000; i++) {
      const item = i % 2 === 0 ? Buffer.alloc(1 + ((i * 37) % 5000), i & 255) : { i, pad: 'x'.repeat((i * 13) % 300) };
      sent.push(item);
    }
    const got = [];
    for (let start = 0; start < sent.length; start += 100) {
      for (const item of sent.slice(start, start + 100)) q.putSync(item);
      for (let k = 0; k < 100; k++) got.push(q.getSync());
    }
    // Every Buffer got is still intact after later items landed.
    assert.equal(got.length, sent.length);
    for (let i = 0; i < sent.length; i++) assert.deepEqual(got[i], sent[i], `item ${i}`);
  });
});

describe('values through a Pipe', () => {
  it('a shared reference and a plain tree both round-trip', () => {
    const [a, b] = Pipe();
    const shared = [1, 2];
    a.sendSync({ x: shared, y: shared });
    a.sendSync({ plain: [1, { two: 2 }] });
    const first = b.recvSync();
    assert.equal(first.x, first.y);
    assert.deepEqual(b.recvSync(), { plain: [1, { two: 2 }] });
    a.close();
    b.close();
  });
});

describe('memory for large received messages', function () {
  before(function () {
    if (portable) this.skip(); // glibc malloc tuning by the addon: posix internals
  });

  const script = [
    "const { Queue } = require('.');",
    "const { mallocTuning } = require('./dist/internal/receive_memory');",
    'const q = new Queue();',
    'q.putSync(Buffer.alloc(64)); q.getSync();',
    'const before = mallocTuning();',
    'q.putSync(Buffer.alloc(1 << 20, 3)); const got = q.getSync();',
    'console.log(JSON.stringify({ before, after: mallocTuning(), ok: got.length === 1 << 20 && got[5] === 3 }));',
  ].join('\n');

  it('the first large item received tunes glibc malloc to reuse freed blocks', async function () {
    // AddressSanitizer (npm run test:sanitize) replaces malloc: there is no glibc malloc to tune.
    if (/libasan/.test(process.env.LD_PRELOAD || '')) this.skip();
    const { code, stdout, stderr } = await runNode(['-e', script]);
    assert.equal(code, 0, stderr);
    assert.deepEqual(JSON.parse(stdout), { before: 'untouched', after: 'tuned', ok: true });
  });

  it('PMP_MALLOC_TUNING=0 leaves malloc alone', async () => {
    const { code, stdout, stderr } = await runNode(['-e', script], { env: { PMP_MALLOC_TUNING: '0' } });
    assert.equal(code, 0, stderr);
    assert.deepEqual(JSON.parse(stdout), { before: 'untouched', after: 'declined', ok: true });
  });
});

describe('ring handles', function () {
  before(function () {
    if (portable) this.skip(); // the addon's shared-memory rings: posix internals
  });

  it('a ring call given anything but a handle throws a TypeError instead of touching memory', () => {
    const { native } = require('../dist/internal/native');
    assert.throws(() => native.ringPut(Buffer.alloc(2048), 0, Buffer.alloc(1), 0), {
      name: 'TypeError',
      message: /ring handle/,
    });
    assert.throws(() => native.ringHandle(Buffer.alloc(2048)), /not an initialised ring/);
  });
});

describe('damaged messages', () => {
  const { loadFrame } = require('../dist/reduction');

  it("a typed-array tag around a string (which cbor-x's extension would slice) is refused with ERR_INVALID_MESSAGE keeping the cause", () => {
    // Tag 0 (a structured value), then CBOR tag 64 (a Uint8Array) wrapping the text "a".
    const damaged = Buffer.from([0, 0xd8, 0x40, 0x61, 0x61]);
    assert.throws(
      () => loadFrame(damaged),
      (err) =>
        err.code === 'ERR_INVALID_MESSAGE' &&
        /could not be decoded .*damaged, or not written by this library/.test(err.message) &&
        err.cause instanceof TypeError,
    );
  });
});
