// A message too large for the memory left (a limited address space): put() throws
// ENOMEM saying what to do, nothing of it is written, and the queue carries the
// next message as if the huge one had never been tried. Both backends.
'use strict';
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const { fixture } = require('./helpers/run_node');

const script = fixture('out_of_memory.js');

function runUnderAddressLimit() {
  const result = spawnSync(process.execPath, ['--single-threaded', script], {
    encoding: 'utf8',
    timeout: 60000,
    killSignal: 'SIGKILL',
  });
  assert.equal(
    result.status,
    0,
    `out_of_memory.js (pid ${result.pid}) ended with ${result.status ?? result.signal}: ${result.stderr}`,
  );
  return JSON.parse(result.stdout.trim().split('\n').pop());
}

describe('out of memory for a huge message', function () {
  this.timeout(90000);
  before(function () {
    // The fixture limits itself with util-linux's prlimit, reading /proc for what it uses.
    if (process.platform !== 'linux' || spawnSync('prlimit', ['--version']).status !== 0) this.skip();
  });

  it('Queue and SimpleQueue putSync of 900 MiB with too little memory throw ENOMEM saying what to do; the next message is the first to arrive', () => {
    const report = runUnderAddressLimit();
    for (const what of ['queue', 'simpleQueue']) {
      const { huge, small, got, leftOver } = report[what];
      assert.equal(huge.ok, false, `${what}: the huge put worked under the limit (${report.backend})`);
      assert.equal(huge.code, 'ENOMEM', `${what}: ${huge.message}`);
      assert.match(huge.message, /smaller|free memory/, `${what} says what to do`);
      assert.equal(small.ok, true, `${what}: the put after it failed: ${small.message}`);
      assert.deepEqual(got, { ok: true, value: 'small after huge' }, `${what}: nothing half-written came first`);
      assert.equal(leftOver.ok, false, `${what}: something more arrived: ${JSON.stringify(leftOver)}`);
    }
  });
});
