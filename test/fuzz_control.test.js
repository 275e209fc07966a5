'use strict';
// Property-based tests (fast-check) of the control messages that start a
// process: the description a parent sends to the forkserver or to a spawned
// child. Random bytes, and real descriptions with bytes flipped, are read
// into a well-formed description or refused with ERR_INVALID_MESSAGE (or the
// codec's own error); the forkserver answers each malformed request with an
// error and goes on serving. FUZZ_RUNS=n runs each property n times.
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const path = require('node:path');
const fc = require('fast-check');
const { Process } = require('..');
const { describeForChild, readSpec } = require('../dist/child/process_spec');
const { dumpFrame, loadFrame, channels } = require('../dist/reduction');
const targets = require('./fixtures/control_targets');

const { fuzzRuns, fuzzTimeout } = require('./helpers/fuzz_runs');
const RUNS = fuzzRuns(200);
const SERVER_RUNS = Math.max(20, Math.round(RUNS / 5));
const portable = process.env.PMP_BACKEND === 'portable';

/** A real description, as start() sends it. */
function realDescription(code = 0) {
  return describeForChild(new Process({ target: targets.exitWith, args: [code] })).bytes;
}

/** Reading `bytes` gives a description with every field of the right type, or a coded Error. */
function readsOrRefuses(bytes) {
  let spec;
  try {
    spec = readSpec(bytes);
  } catch (err) {
    assert.ok(err instanceof Error, `threw a non-Error: ${String(err)}`);
    assert.ok(err.message.length > 0, 'the error says what is wrong');
    assert.ok(!(err instanceof TypeError && !err.code), `an uncoded TypeError: ${err.stack}`);
    return 'refused';
  }
  assert.equal(typeof spec.identity.name, 'string');
  assert.ok(spec.payload instanceof Uint8Array);
  return 'read';
}

const flips = (length) =>
  fc.array(fc.record({ at: fc.nat({ max: length - 1 }), byte: fc.integer({ min: 0, max: 255 }) }), {
    minLength: 1,
    maxLength: 8,
  });

describe('fuzz: process descriptions', function () {
  it('random bytes are refused with a coded Error, never taken apart', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 512 }), (bytes) => {
        readsOrRefuses(bytes);
      }),
      { numRuns: RUNS },
    );
  });

  it('a real description with bytes flipped is read whole or refused with a coded Error', () => {
    const original = realDescription();
    assert.equal(readsOrRefuses(original), 'read');
    fc.assert(
      fc.property(flips(original.length), (changes) => {
        const bytes = Buffer.from(original);
        for (const { at, byte } of changes) bytes[at] = byte;
        readsOrRefuses(bytes);
      }),
      { numRuns: RUNS },
    );
  });

  it('values of the wrong shape are refused naming the field', () => {
    const spec = loadFrame(realDescription());
    const cases = [
      [42, /not an object/],
      [{ ...spec, identity: null }, /identity is not an object/],
      [{ ...spec, identity: { ...spec.identity, name: 7 } }, /identity\.name/],
      [{ ...spec, identity: { ...spec.identity, parentPid: -1 } }, /identity\.parentPid/],
      [{ ...spec, target: { moduleUrl: 1 } }, /target is not a function reference/],
      [{ ...spec, payload: 'text' }, /payload is not bytes/],
    ];
    for (const [value, message] of cases) {
      assert.throws(() => readSpec(dumpFrame(value, channels.control).bytes), {
        code: 'ERR_INVALID_MESSAGE',
        message,
      });
    }
  });
});

describe('fuzz: requests to the forkserver', function () {
  this.timeout(fuzzTimeout(RUNS));
  let native;
  let server;
  let control;
  let serverSaid = '';

  before(function () {
    if (portable) this.skip(); // the forkserver is a posix start method
    native = require('../dist/internal/native').native;
    const { resourceTrackerFd, TRACKER_FD_ENV } = require('../dist/resource_tracker');
    const [ours, theirs] = native.socketpair();
    native.setNonBlocking(ours, false);
    control = ours;
    server = spawn(
      process.execPath,
      ['--single-threaded', path.join(__dirname, '../dist/popen/forkserver_main.js'), '', JSON.stringify(process.argv)],
      {
        stdio: ['ignore', 'inherit', 'pipe', theirs, resourceTrackerFd()],
        env: { ...process.env, [TRACKER_FD_ENV]: '4' },
      },
    );
    native.close(theirs);
    server.stderr.setEncoding('utf8').on('data', (text) => {
      serverSaid += text;
    });
    const hello = receive(control);
    assert.equal(hello?.ready, true, `forkserver ${server.pid} did not say it was ready: ${JSON.stringify(hello)}`);
  });

  after(async function () {
    if (!server) return;
    native.close(control); // the server reads end-of-file and exits
    if (server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      const timer = setTimeout(() => server.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
  });

  function receive(fd) {
    const message = native.recvMessage(fd);
    return message ? loadFrame(message.data) : null;
  }

  /** Sends one request with its status socket; the server's first reply. */
  function request(bytes) {
    const [ours, theirs] = native.socketpair();
    native.setNonBlocking(ours, false);
    try {
      native.sendMessage(control, bytes, [theirs]);
      native.close(theirs);
      assert.ok(native.poll([ours], 1, 10000).length === 1, `forkserver ${server.pid} did not answer within 10 s`);
      return { reply: receive(ours), status: ours };
    } catch (err) {
      native.close(ours);
      throw err;
    }
  }

  it('malformed requests each get an error back, and a real one afterwards starts its child', async () => {
    const original = realDescription(7);
    // A message without the status socket every request carries: nothing to answer, nothing to fail.
    native.sendMessage(control, Buffer.from(original), []);
    let answered = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ minLength: 1, maxLength: 256 }),
          flips(original.length).map((changes) => {
            const bytes = Buffer.from(original);
            for (const { at, byte } of changes) bytes[at] = byte;
            return bytes;
          }),
        ),
        (bytes) => {
          const { reply, status } = request(bytes);
          try {
            assert.ok(reply !== null, `forkserver ${server.pid} closed the status socket without a reply`);
            if (reply.pid !== undefined) {
              // Flipped bytes that still make a valid description (a changed name, say): a real child.
              const exit = receive(status);
              assert.equal(typeof exit?.exitCode, 'number', `child ${reply.pid} reported no exit`);
            } else {
              assert.ok(reply.error instanceof Error, `reply without pid or error: ${JSON.stringify(reply)}`);
            }
            answered++;
          } finally {
            native.close(status);
          }
        },
      ),
      { numRuns: SERVER_RUNS },
    );
    assert.equal(answered, SERVER_RUNS);
    await new Promise((resolve) => setTimeout(resolve, 100)); // what it wrote on stderr has arrived
    // Children whose description was readable but whose arguments were not report
    // that themselves ('Process <name>:'); the server itself must never fail.
    assert.doesNotMatch(serverSaid, /^forkserver:/m, 'the forkserver reported a failure of its own');
    assert.equal(server.exitCode, null, `forkserver ${server.pid} exited`);
    const { reply, status } = request(original);
    try {
      assert.equal(typeof reply.pid, 'number', `the real request failed: ${reply.error?.stack}`);
      const exit = receive(status);
      assert.equal(exit?.exitCode, 7, `child ${reply.pid} ran exitWith(7)`);
    } finally {
      native.close(status);
    }
  });
});
