'use strict';
// Property-based tests (fast-check) of the Manager protocol as a server reads it:
// a client that has the authkey but sends anything at all (values of any shape,
// raw bytes, truncated frames) gets an error reply or loses only its own
// connection. The server never crashes, never hangs, and serves everyone else.
// FUZZ_RUNS=n runs each property n times (default 100).
const assert = require('node:assert/strict');
const fc = require('fast-check');
const { Manager, Client } = require('..');

const { fuzzRuns, fuzzTimeout } = require('./helpers/fuzz_runs');
const RUNS = fuzzRuns(100);
const reduce = Symbol.for('posix-multiprocessing.reduce');
const REPLY_MS = 5000;

/** A reply within REPLY_MS, or the connection's end; a silent server fails the test. */
async function replyOrEnd(conn, what) {
  let timer;
  const silence = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the manager server said nothing for ${REPLY_MS} ms after ${what}`)),
      REPLY_MS,
    );
  });
  try {
    return await Promise.race([
      conn.recv().then(
        (reply) => ({ reply }),
        (err) => ({ ended: err }),
      ),
      silence,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

const anyValue = fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true });
/** Requests shaped like [objectId, method, args], with every part allowed to be wrong. */
const requestLike = fc.tuple(
  fc.oneof(fc.integer({ min: -2, max: 5 }), fc.double(), fc.string(), fc.constant(null)),
  fc.oneof(
    fc.constantFrom('create', 'get', 'set', 'append', 'keys', '__proto__', 'constructor', 'toString'),
    fc.string(),
    anyValue,
  ),
  fc.oneof(fc.array(anyValue, { maxLength: 4 }), anyValue),
);

describe('fuzz: the Manager protocol', function () {
  this.timeout(fuzzTimeout(RUNS));
  let manager;
  let ref;
  let dict;

  before(async () => {
    // fork: the forkserver would be a child of the test runner that outlives this file
    // (spawn under portable, its only start method).
    manager = await Manager({ context: process.env.PMP_BACKEND === 'portable' ? 'spawn' : 'fork' });
    dict = await manager.dict();
    await dict.set('canary', 1);
    ref = dict[reduce]().state;
  });

  after(async () => {
    await manager?.shutdown();
  });

  async function serverStillServes() {
    assert.equal(await dict.get('canary'), 1, 'the manager stopped serving its other clients');
    assert.ok(manager.pid && process.kill(manager.pid, 0), `the manager server (pid ${manager.pid}) died`);
  }

  it('requests of any shape get a reply (an error where they make no sense) and the server carries on', async () => {
    const conn = await Client(ref.address, { authkey: ref.authkey });
    try {
      await fc.assert(
        fc.asyncProperty(fc.oneof(requestLike, anyValue), async (request) => {
          await conn.send(request);
          const outcome = await replyOrEnd(conn, `sending ${fc.stringify(request).slice(0, 200)}`);
          assert.ok(outcome.reply !== undefined, `the server dropped the connection: ${outcome.ended}`);
          assert.ok(Array.isArray(outcome.reply) && typeof outcome.reply[0] === 'boolean', 'a reply is [ok, value]');
          if (!outcome.reply[0]) assert.ok(outcome.reply[1] instanceof Error, 'a failed request replies with an Error');
        }),
        { numRuns: RUNS },
      );
    } finally {
      conn.close();
    }
    await serverStillServes();
  });

  it('raw bytes that are no message end only that connection', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 512 }), async (bytes) => {
        const conn = await Client(ref.address, { authkey: ref.authkey });
        try {
          await conn.sendBytes(bytes);
          const outcome = await replyOrEnd(conn, `sending ${bytes.length} raw bytes`);
          if (outcome.reply !== undefined) assert.ok(Array.isArray(outcome.reply));
        } finally {
          conn.close();
        }
      }),
      { numRuns: Math.max(10, Math.round(RUNS / 4)) },
    );
    await serverStillServes();
  });
});
