'use strict';
// The forkserver is reached only through the socketpair its parent made: it
// has no socket with a name (no path, no abstract address), so no other
// process, of this user or another, can ask it to run code. (Python 3.14 has
// to authenticate its forkserver's connections because they come through a
// named unix socket.)
const assert = require('node:assert/strict');
const { runNode, fixture } = require('./helpers/run_node');

const posix = process.env.PMP_BACKEND !== 'portable';

describe('the forkserver cannot be reached by other processes', function () {
  this.timeout(30000);
  before(function () {
    if (!posix || process.platform !== 'linux') this.skip(); // /proc; the forkserver is a posix start method
  });

  it('its sockets have no name (the control socket is an inherited socketpair), and it serves its parent', async () => {
    const { code, stdout, stderr, pid } = await runNode([fixture('forkserver_socket.js')], { timeout: 30000 });
    assert.equal(code, 0, `pid ${pid}: ${stderr}`);
    const report = JSON.parse(stdout.trim().split('\n').pop());
    assert.equal(report.exitcode, 3, 'the child ran through the forkserver');
    assert.ok(report.server, 'a forkserver was running');
    assert.ok(report.inodes.length > 0, `forkserver ${report.server} held its control socket`);
    assert.deepEqual(report.withName, [], `forkserver ${report.server} held named sockets`);
  });
});
