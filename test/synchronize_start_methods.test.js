'use strict';
const assert = require('node:assert');
const { runNode, fixture } = require('./helpers/run_node');

// The portable backend has the spawn start method only (docs/api.md, Backends).
const methods = process.env.PMP_BACKEND === 'portable' ? ['spawn'] : ['fork', 'forkserver', 'spawn'];

describe('synchronisation primitives under every start method', function () {
  this.timeout(60000);

  for (const method of methods) {
    it(`${method}: Process children share Lock, Semaphore, Event, Barrier (action included) and Condition; a killed holder is reported`, async function () {
      const { code, stdout, stderr } = await runNode([fixture('sync_start_methods.js'), method], { timeout: 50000 });
      assert.strictEqual(code, 0, stderr);
      assert.match(stdout, /event true/);
      assert.match(stdout, /action ran in the child/);
      assert.strictEqual(stdout.match(/action ran/g).length, 1);
      assert.match(stdout, /exit codes 0,0/);
      assert.match(stdout, /semaphore 2/);
      assert.match(stdout, /acquired true ownerDied true/);
    });
  }

  it('a Barrier whose action is not exported cannot be passed by reference (ERR_NOT_IMPORTABLE)', async function () {
    // In its own process: finding exports walks every loaded module.
    const script = `
      const { Barrier } = require('./');
      const { reduce } = require('./dist/reduction');
      try {
        new Barrier(2, { action: () => {} })[reduce]();
        console.log('reduced');
      } catch (err) {
        console.log(err.code);
      }
    `;
    const { code, stdout, stderr } = await runNode(['-e', script]);
    assert.strictEqual(code, 0, stderr);
    assert.strictEqual(stdout.trim(), 'ERR_NOT_IMPORTABLE');
  });
});
