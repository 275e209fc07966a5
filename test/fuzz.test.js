'use strict';
// Property-based tests (fast-check) of what parses bytes another process wrote:
// the codec, Connection frames and the authkey handshake. Malformed input gives
// a clear error, never a crash, a hang or a silent wrong value. A short run is
// part of the suite; FUZZ_RUNS=n runs each property n times.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const fc = require('fast-check');
const { Pipe, Listener, Client, AuthenticationError, EOFError } = require('..');
const { dumpFrame, loadFrame, channels } = require('../dist/reduction');

const encode = (value) => dumpFrame(value, channels.queue).bytes;
const decode = (bytes) => loadFrame(bytes);

const { fuzzRuns, fuzzTimeout } = require('./helpers/fuzz_runs');
const RUNS = fuzzRuns(200);
const SLOW_RUNS = Math.max(10, Math.round(RUNS / 10));
const portable = process.env.PMP_BACKEND === 'portable';

/** Raw bytes written into a Connection's fd: the posix wire format (portable Connections have no fd). */
function skipUnderPortable() {
  if (portable) this.skip();
}

/** A value the structured-clone rule accepts: what may be sent anywhere. */
const cloneable = fc.anything({
  withBigInt: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withTypedArray: true,
  withNullPrototype: false,
  withBoxedValues: false,
  withObjectString: false,
  withSparseArray: false,
  withUnicodeString: true,
});

/**
 * The value as it arrives. Two known limits of cbor-x, documented in the
 * README: -0 may arrive as 0 (cbor-x writes the integer 0; the codec marks it in
 * plain trees only, so both sides are normalised here; typed arrays keep it, as
 * raw bytes), and an own key '__proto__' arrives as '__proto_' (its guard
 * against prototype pollution).
 */
function asArrives(value, seen = new Map()) {
  if (Object.is(value, -0)) return 0;
  // Node 20's deepStrictEqual finds two Invalid Dates unequal (NaN !== NaN); the codec keeps them.
  if (value instanceof Date && Number.isNaN(value.getTime())) return { invalidDate: true };
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return value;
  if (seen.has(value)) return seen.get(value);
  if (Array.isArray(value)) {
    const copy = [];
    seen.set(value, copy);
    for (const item of value) copy.push(asArrives(item, seen));
    return copy;
  }
  if (value instanceof Map) {
    const copy = new Map();
    seen.set(value, copy);
    for (const [k, v] of value) copy.set(asArrives(k, seen), asArrives(v, seen));
    return copy;
  }
  if (value instanceof Set) {
    const copy = new Set();
    seen.set(value, copy);
    for (const v of value) copy.add(asArrives(v, seen));
    return copy;
  }
  if (Object.getPrototypeOf(value) === Object.prototype) {
    const copy = {};
    seen.set(value, copy);
    for (const [k, v] of Object.entries(value)) copy[k === '__proto__' ? '__proto_' : k] = asArrives(v, seen);
    return copy;
  }
  return value;
}

function settlesWithin(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
    }),
  ]);
}

function frame(body) {
  const header = Buffer.alloc(4);
  header.writeUInt32LE(body.length, 0);
  return Buffer.concat([header, body]);
}

describe('fuzz: the codec', function () {
  this.timeout(fuzzTimeout(RUNS));

  it('every structured-cloneable value fast-check makes comes back equal', () => {
    fc.assert(
      fc.property(cloneable, (value) => {
        assert.deepStrictEqual(asArrives(decode(encode(value))), asArrives(value));
      }),
      { numRuns: RUNS * 5 },
    );
  });

  it('random bytes decode to a value or throw an Error; the process never crashes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 512 }), (bytes) => {
        try {
          decode(Buffer.from(bytes));
        } catch (err) {
          assert.ok(err instanceof Error, `threw a non-Error: ${String(err)}`);
        }
      }),
      { numRuns: RUNS * 10 },
    );
  });

  it('a valid message with random bytes flipped decodes or throws an Error', () => {
    fc.assert(
      fc.property(
        cloneable,
        fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
        fc.nat(255),
        (value, positions, mask) => {
          const bytes = Buffer.from(encode(value));
          for (const p of positions) bytes[p % bytes.length] ^= mask | 1;
          try {
            decode(bytes);
          } catch (err) {
            assert.ok(err instanceof Error);
          }
        },
      ),
      { numRuns: RUNS * 5 },
    );
  });
});

describe('fuzz: Connection frames from a peer', function () {
  this.timeout(fuzzTimeout(RUNS));
  before(skipUnderPortable);

  it('whatever bytes a peer writes before closing, recv() yields values, then throws a coded error or EOFError, within a bounded time', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.uint8Array({ maxLength: 64 }),
            fc.uint8Array({ maxLength: 64 }).map((b) => frame(Buffer.from(b))),
            cloneable.map((v) => frame(Buffer.from(encode(v)))),
          ),
          { maxLength: 6 },
        ),
        async (chunks) => {
          const [reader, writer] = Pipe();
          try {
            const bytes = Buffer.concat(chunks.map((c) => Buffer.from(c)));
            if (bytes.length > 0) fs.writeSync(writer.fileno(), bytes);
            writer.close();
            for (let i = 0; i <= chunks.length + bytes.length; i++) {
              try {
                await settlesWithin(reader.recv(), 2000, 'recv() after the peer closed');
              } catch (err) {
                if (err.message?.includes('did not settle')) throw err;
                assert.ok(
                  err instanceof EOFError || typeof err.code === 'string' || err instanceof Error,
                  `unexpected ${String(err)}`,
                );
                return;
              }
            }
            assert.fail('recv() kept returning values after the input was used up');
          } finally {
            reader.close();
          }
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('malformed frames from a peer', function () {
  this.timeout(30000);
  before(skipUnderPortable);

  it('a header claiming 1 GiB past recvBytes(maxlength) allocates nothing of that size; EOFError once the peer closes', async () => {
    const [reader, writer] = Pipe();
    try {
      const header = Buffer.alloc(4);
      header.writeUInt32LE(2 ** 30, 0);
      fs.writeSync(writer.fileno(), Buffer.concat([header, Buffer.alloc(10)]));
      const before = process.memoryUsage().arrayBuffers;
      const pending = reader.recvBytes(100);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const grown = process.memoryUsage().arrayBuffers - before;
      assert.ok(grown < 64 * 1024 * 1024, `array buffers grew by ${grown} bytes while reading past the frame`);
      writer.close();
      await assert.rejects(settlesWithin(pending, 2000, 'recvBytes() after the peer closed'), EOFError);
    } finally {
      reader.close();
    }
  });
});

describe('fuzz: the authkey handshake', function () {
  this.timeout(fuzzTimeout(RUNS));

  it('a client that answers the challenge with random bytes is refused with AuthenticationError; the listener then accepts a real client', async () => {
    const authkey = Buffer.from('fuzzing key');
    const listener = new Listener(null, { authkey });
    try {
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (answer) => {
          const rogue = require('node:net').connect(listener.address);
          rogue.on('error', () => {});
          rogue.once('data', () => rogue.end(frame(Buffer.from(answer))));
          await assert.rejects(
            settlesWithin(listener.accept(), 5000, 'accept() of a rogue client'),
            (err) => err instanceof AuthenticationError || typeof err.code === 'string' || err instanceof EOFError,
          );
          rogue.destroy();
        }),
        { numRuns: SLOW_RUNS },
      );
      const [server, client] = await Promise.all([listener.accept(), Client(listener.address, { authkey })]);
      await client.send('still works');
      assert.equal(await server.recv(), 'still works');
      server.close();
      client.close();
    } finally {
      listener.close();
    }
  });
});
