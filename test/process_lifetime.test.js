'use strict';
// What a Process holds after its child has ended, and when it lets go.
const assert = require('node:assert/strict');
const path = require('node:path');
const { runNode } = require('./helpers/run_node');

const fixture = path.join(__dirname, 'fixtures', 'dropped_processes.js');

describe('Process lifetime', () => {
  for (const method of ['fork', 'forkserver']) {
    it(`finished processes dropped without close() release their sentinels when collected (${method})`, async () => {
      const { code, stdout, stderr } = await runNode(['--expose-gc', fixture, method], { timeout: 30000 });
      assert.equal(code, 0, stderr);
      const { before, afterJoin, afterCollect } = JSON.parse(stdout);
      assert.ok(afterJoin >= before + 20, `each joined process still holds its sentinel: ${before} -> ${afterJoin}`);
      assert.ok(afterCollect <= before + 3, `after collection the sentinels are closed: ${before} -> ${afterCollect}`);
    });
  }
});
