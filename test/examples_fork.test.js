'use strict';
const assert = require('node:assert/strict');
const path = require('node:path');
const { runNode } = require('./helpers/run_node');

const example = (name) => path.join(__dirname, '..', 'examples', name);

describe('fork examples', () => {
  it('fork_once: the child sees 0 and its parent, the parent sees the child pid', async () => {
    const { code, stdout } = await runNode([example('fork_once.js')]);
    assert.equal(code, 0);
    const parentPid = Number(/before fork: I am (\d+)/.exec(stdout)[1]);
    const [, childPid, childParent] = /child: fork\(\) returned 0, my pid is (\d+), my parent is (\d+)/.exec(stdout);
    assert.equal(Number(childParent), parentPid);
    assert.match(stdout, new RegExp(`parent: fork\\(\\) returned ${childPid}, my pid is ${parentPid}`));
    assert.match(stdout, new RegExp(`child ${childPid} exited with 0`));
  });

  it('fork_twice: four processes say hello, each once', async () => {
    const { code, stdout } = await runNode([example('fork_twice.js')]);
    assert.equal(code, 0);
    const pids = stdout
      .trim()
      .split('\n')
      .map((l) => /hello from (\d+)/.exec(l)[1]);
    assert.equal(pids.length, 4);
    assert.equal(new Set(pids).size, 4);
  });

  it('getpid_getppid: every child names the main process as its parent', async () => {
    const { code, stdout } = await runNode([example('getpid_getppid.js')]);
    assert.equal(code, 0);
    const mainPid = /main process: pid (\d+)/.exec(stdout)[1];
    const parents = [...stdout.matchAll(/child \d: pid \d+, parent (\d+)/g)].map((m) => m[1]);
    assert.deepEqual(parents, [mainPid, mainPid, mainPid]);
    assert.match(stdout, /all children reaped/);
  });

  it("data_isolation: the child's changes do not reach the parent", async () => {
    const { code, stdout } = await runNode([example('data_isolation.js')]);
    assert.equal(code, 0);
    assert.match(stdout, /child: numbers=\[1,2,3,4\] counter=101/);
    assert.match(stdout, /parent: numbers=\[1,2,3\] counter=100/);
  });
});
