'use strict';
const assert = require('node:assert/strict');
const { runNode, fixture } = require('./helpers/run_node');

describe('queues, pipes and shared memory under every start method', function () {
  this.timeout(60000);
  // The start methods this backend has: spawn alone under portable.
  for (const method of process.env.PMP_BACKEND === 'portable' ? ['spawn'] : ['fork', 'forkserver', 'spawn']) {
    it(`${method}: a Process child shares Queue, JoinableQueue, SimpleQueue, a Pipe end, SharedMemory, Value and Array`, async () => {
      const { code, stdout, stderr } = await runNode([fixture('ipc_start_methods.js'), method], { timeout: 50000 });
      assert.equal(code, 0, stderr);
      assert.match(stdout, /queue child 2/);
      assert.match(stdout, /joinable joined/);
      assert.match(stdout, /simple 42/);
      assert.match(stdout, /pipe ping pong/);
      assert.match(stdout, /exit code 0/);
      assert.match(stdout, /shm child was here/);
      assert.match(stdout, /value 42 array 2.5/);
    });
  }
});
