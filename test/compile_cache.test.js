'use strict';
// Our own entry scripts (a spawned child, the forkserver) turn on V8's on-disk
// compile cache where the Node line has it (22.1+), at Node's documented
// default place; the user's own process keeps its own choice.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { getCompileCacheDir, flushCompileCache } = require('node:module');
const { runNode, fixture } = require('./helpers/run_node');

const portable = process.env.PMP_BACKEND === 'portable';

describe('compile cache in the processes the library starts', function () {
  this.timeout(60000);
  let tmp;
  before(function () {
    if (typeof getCompileCacheDir !== 'function') this.skip(); // Node 20: no compile cache
  });
  beforeEach(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pmp-test-cache-'));
  });
  afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('children started by spawn and through the forkserver keep it; the parent is left alone', async () => {
    const methods = portable ? ['spawn'] : ['spawn', 'forkserver'];
    const env = { TMPDIR: tmp };
    const { code, stdout, stderr } = await runNode([fixture('compile_cache_user.js'), methods.join(',')], { env });
    assert.equal(code, 0, stderr);
    const reports = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const expected = path.join(tmp, 'node-compile-cache');
    assert.deepEqual(reports[0], { method: 'parent', dir: null });
    assert.deepEqual(
      reports.slice(1).map((r) => r.method),
      methods,
    );
    for (const { method, dir } of reports.slice(1)) {
      assert.ok(
        dir !== null && dir.startsWith(expected + path.sep),
        `the ${method} child keeps it under ${expected}: ${dir}`,
      );
    }
    assert.ok(fs.readdirSync(expected).length > 0, 'the cache was written');
  });

  it('the forkserver writes it once it is ready, so the next forkserver starts from it', async function () {
    if (portable) this.skip(); // no forkserver of its own: it spawns
    if (typeof flushCompileCache !== 'function') this.skip(); // Node < 22.10: written at a normal exit only
    const { code, stdout, stderr } = await runNode([fixture('compile_cache_user.js'), 'forkserver'], {
      env: { TMPDIR: tmp },
    });
    assert.equal(code, 0, stderr);
    const { dir } = JSON.parse(stdout.trim().split('\n')[1]);
    assert.ok(dir !== null, 'the forkserver child reports its cache directory');
    // The server never exits the way Node writes the cache at exit, and the
    // parent keeps none: only the server's own write fills its directory.
    assert.ok(fs.existsSync(dir) && fs.readdirSync(dir).length > 0, `the forkserver's cache in ${dir} was written`);
  });
});
