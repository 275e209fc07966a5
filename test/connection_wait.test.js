'use strict';
const assert = require('node:assert/strict');
const { runNode, fixture } = require('./helpers/run_node');

describe('wait() with processes', () => {
  before(function () {
    try {
      require('../dist/backend').kernels().startMethod('spawn');
    } catch {
      this.skip(); // this backend cannot start children yet (the portable Process is merged separately)
    }
  });

  it('wait([connection, process]) returns the Process once it ends, and nothing before', async () => {
    const { code, stdout, stderr } = await runNode([fixture('wait_process.js')], { timeout: 30000 });
    assert.equal(code, 0, stderr);
    assert.match(stdout, /ready within 50 ms: 0/);
    assert.match(stdout, /then ready: the process/);
  });
});
