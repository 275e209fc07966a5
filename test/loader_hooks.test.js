// Module customisation hooks registered with module.register() (tsx on Node 20,
// import-in-the-middle, any --loader) run on a thread of their own, which a
// forked child does not have: its first import() would wait forever. The
// forkserver says so when it starts, and its children are then spawned.
'use strict';
const assert = require('node:assert');
const path = require('node:path');
const { runNode, fixture } = require('./helpers/run_node');

const dir = fixture('loader_hooks');
const register = path.join(dir, 'register.mjs');
const poolFirst = path.join(dir, 'pool_first.mjs');
const tsxCli = require.resolve('tsx/cli');
const SPAWNS_WARNING = /PMP_FORKSERVER_SPAWNS/g;

function reportOf({ code, stdout, stderr, pid }) {
  assert.equal(code, 0, `pid ${pid} exited ${code}: ${stderr}`);
  return JSON.parse(stdout.trim().split('\n').pop());
}

describe('module customisation hooks on their own thread', function () {
  this.timeout(60000);

  it('a forkserver Pool started first runs functions of the main module and of another module, spawning its workers, with one warning', async () => {
    const run = await runNode(['--import', register, poolFirst, 'forkserver'], { timeout: 45000 });
    assert.deepEqual(reportOf(run), { squares: [1, 4, 9], cubes: [1, 8, 27] });
    assert.equal(run.stderr.match(SPAWNS_WARNING)?.length, 1, run.stderr);
  });

  it('the spawn start method needs no warning: its children load the hooks themselves', async () => {
    const run = await runNode(['--import', register, poolFirst, 'spawn'], { timeout: 45000 });
    assert.deepEqual(reportOf(run), { squares: [1, 4, 9], cubes: [1, 8, 27] });
    assert.doesNotMatch(run.stderr, SPAWNS_WARNING);
  });

  it('without such hooks the forkserver forks its children and warns of nothing', async () => {
    const run = await runNode([poolFirst, 'forkserver'], { timeout: 45000 });
    assert.deepEqual(reportOf(run), { squares: [1, 4, 9], cubes: [1, 8, 27] });
    assert.doesNotMatch(run.stderr, SPAWNS_WARNING);
  });

  it('TypeScript through tsx with a Pool as the first thing it starts (not awaited) gets its results on this Node line', async () => {
    const run = await runNode([tsxCli, path.join(dir, 'pool_first.ts'), 'forkserver'], {
      timeout: 45000,
      singleThreaded: false,
    });
    assert.deepEqual(reportOf(run), { squares: [1, 4, 9], cubes: [1, 8, 27] });
  });
});
