// Picks the codec for lib/internal/codec.ts by measurement: round trips per second of a
// small object (and a few others) through JSON, v8.serialize, msgpackr and
// cbor-x, both in their structured-clone modes. Run: node bench/codec.js
'use strict';
const v8 = require('node:v8');
const { Encoder } = require('cbor-x');
const { Packr } = require('msgpackr');

const cbor = new Encoder({ structuredClone: true, useRecords: false, tagUint8Array: true, mapsAsObjects: true });
const msgpack = new Packr({ structuredClone: true, useRecords: false, moreTypes: true, useBigIntExtension: true });

const codecs = {
  JSON: { encode: (v) => Buffer.from(JSON.stringify(v)), decode: (b) => JSON.parse(b.toString()) },
  'v8.serialize': { encode: v8.serialize, decode: v8.deserialize },
  'msgpackr (structuredClone)': { encode: (v) => msgpack.pack(v), decode: (b) => msgpack.unpack(b) },
  'cbor-x (structuredClone)': { encode: (v) => cbor.encode(v), decode: (b) => cbor.decode(b) },
};

const samples = {
  'small object': { id: 42, name: 'widget', tags: ['a', 'b'], price: 9.99, ok: true },
  'small array': [1, 2, 3, 'x', null],
  'string (100 B)': 'x'.repeat(100),
  'nested (1 KiB)': { items: Array.from({ length: 20 }, (_, i) => ({ i, s: `item-${i}`, f: i / 3 })) },
};

function measure(codec, value, ms = 300) {
  // warm up, then count round trips for `ms`
  for (let i = 0; i < 2000; i++) codec.decode(codec.encode(value));
  let n = 0;
  const end = process.hrtime.bigint() + BigInt(ms) * 1_000_000n;
  while (process.hrtime.bigint() < end) {
    for (let i = 0; i < 200; i++) codec.decode(codec.encode(value));
    n += 200;
  }
  return (n * 1000) / ms;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

const rows = [];
for (const [sampleName, value] of Object.entries(samples)) {
  const base = median([0, 1, 2].map(() => measure(codecs['v8.serialize'], value)));
  for (const [codecName, codec] of Object.entries(codecs)) {
    if (codecName === 'JSON' && typeof value !== 'object') continue;
    const rate = codecName === 'v8.serialize' ? base : median([0, 1, 2].map(() => measure(codec, value)));
    rows.push({
      sample: sampleName,
      codec: codecName,
      'round trips/s': Math.round(rate),
      'x v8.serialize': (rate / base).toFixed(2),
    });
  }
}
console.table(rows);

// Fidelity of the structured-clone modes for what api.md promises.
const cyclic = { name: 'root' };
cyclic.self = cyclic;
const fidelity = {
  Map: new Map([
    [1, 'a'],
    ['k', { x: 1 }],
  ]),
  Set: new Set([1, 'two']),
  Date: new Date(1700000000000),
  BigInt: 12345678901234567890123n,
  Float64Array: new Float64Array([1.5, -2]),
  nested: { a: [{ b: { c: [1, 2, { d: 'e' }] } }] },
  cycle: cyclic,
};
for (const name of ['msgpackr (structuredClone)', 'cbor-x (structuredClone)']) {
  const codec = codecs[name];
  const out = [];
  for (const [k, v] of Object.entries(fidelity)) {
    try {
      const back = codec.decode(codec.encode(v));
      const ok = k === 'cycle' ? back.self === back : require('node:util').isDeepStrictEqual(back, v);
      out.push(`${k}:${ok ? 'ok' : 'WRONG'}`);
    } catch (e) {
      out.push(`${k}:throws(${e.message.slice(0, 40)})`);
    }
  }
  console.log(name.padEnd(28), out.join(' '));
}
