'use strict';
const assert = require('node:assert/strict');
const path = require('node:path');
const { runNode } = require('./helpers/run_node');

const run = async (name) => {
  const result = await runNode([path.join(__dirname, '..', 'examples', name)], {
    singleThreaded: false,
    timeout: 60000,
  });
  assert.equal(result.code, 0, result.stderr);
  return result.stdout;
};

describe('process examples (default start method, plain node)', function () {
  this.timeout(90000);

  it('sing_and_dance: the two processes interleave', async () => {
    const lines = (await run('sing_and_dance.js')).trim().split('\n');
    const order = lines
      .filter((l) => /^(singing|dancing)/.test(l))
      .map((l) => l[0])
      .join('');
    assert.equal(order.length, 6);
    assert.notEqual(order, 'sssddd', 'they ran one after the other');
    assert.notEqual(order, 'dddsss', 'they ran one after the other');
  });

  it('args_kwargs: positional and keyword arguments arrive', async () => {
    assert.equal(await run('args_kwargs.js'), 'hello Ada!\nhello Ada!\nexitcode 0\n');
  });

  it('names_and_pids: names, pids and the parent pid are right', async () => {
    const out = await run('names_and_pids.js');
    const mainPid = /main: name=MainProcess pid=(\d+)/.exec(out)[1];
    assert.match(out, new RegExp(`child: name=worker-a pid=\\d+ parent=${mainPid}`));
    assert.match(out, new RegExp(`child: name=Process-2 pid=\\d+ parent=${mainPid}`));
  });

  it('alive_and_terminate: isAlive and exitcode before, during and after terminate', async () => {
    assert.equal(
      await run('alive_and_terminate.js'),
      'before start: alive=false exitcode=null\nrunning: alive=true exitcode=null\nafter terminate: alive=false exitcode=-15\n',
    );
  });

  it('daemon: the worker finishes, the daemon is stopped when main ends', async () => {
    const out = await run('daemon.js');
    assert.match(out, /worker finished/);
    assert.doesNotMatch(out, /daemon finished/);
    const daemonPid = Number(/daemon pid (\d+)/.exec(out)[1]);
    await new Promise((r) => setTimeout(r, 500));
    assert.throws(() => process.kill(daemonPid, 0), { code: 'ESRCH' });
  });

  it('process_subclass: run() of the subclass counts down in the child', async () => {
    assert.equal(
      await run('process_subclass.js'),
      'countdown: 3\ncountdown: 2\ncountdown: 1\ncountdown: liftoff\nexitcode 0\n',
    );
  });

  it('many_processes: every process runs and all are joined', async () => {
    const out = await run('many_processes.js');
    const squares = out.match(/squared is/g) || [];
    const joined = Number(/joined (\d+) processes, exit codes 0\n/.exec(out)[1]);
    assert.equal(squares.length, joined);
  });

  it('process_isolation: the child changes its own copy only', async () => {
    assert.equal(await run('process_isolation.js'), 'child list: milk, eggs\nparent list: milk\n');
  });
});
