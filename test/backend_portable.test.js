'use strict';
// The portable backend runs without the addon: importing the package under
// PMP_BACKEND=portable loads no .node file, and posix.* says why it cannot work.
const assert = require('node:assert/strict');
const path = require('node:path');
const { runNode } = require('./helpers/run_node');

const dist = path.join(__dirname, '..', 'dist');

/** Runs `code` in a fresh PMP_BACKEND=portable process; returns what it printed as JSON. */
async function portableChild(code) {
  const {
    code: exitCode,
    stdout,
    stderr,
  } = await runNode(['-e', code], {
    env: { PMP_BACKEND: 'portable' },
    timeout: 20000,
  });
  assert.equal(exitCode, 0, `the portable child exited ${exitCode}: ${stderr}`);
  return JSON.parse(stdout.trim().split('\n').pop());
}

/** Code that requires `modules` and prints which addon files are mapped and whether lib/internal/native loaded. */
function loadsAddon(modules) {
  return `
    for (const m of ${JSON.stringify(modules)}) require(m);
    const maps = require('node:fs').readFileSync('/proc/self/maps', 'utf8');
    const mapped = [...new Set(maps.split('\\n').filter((l) => l.endsWith('.node')).map((l) => l.split(/\\s+/).pop()))];
    const native = Object.keys(require.cache).filter((k) => k.endsWith(require('node:path').join('internal', 'native.js')));
    console.log(JSON.stringify({ mapped, native }));`;
}

describe('the portable backend without the addon', function () {
  this.timeout(30000);

  it('Process, the contexts and posix.* load no addon under PMP_BACKEND=portable', async () => {
    const modules = ['process.js', 'context.js', 'posix.js', 'internal/current_process.js'].map((m) =>
      path.join(dist, m),
    );
    assert.deepEqual(await portableChild(loadsAddon(modules)), { mapped: [], native: [] });
  });

  it('the package loads no addon under PMP_BACKEND=portable (no .node file in /proc/self/maps)', async () => {
    assert.deepEqual(await portableChild(loadsAddon([path.join(dist, 'internal', 'package_entry.js')])), {
      mapped: [],
      native: [],
    });
  });

  it('posix.* throws ERR_BACKEND_UNSUPPORTED under portable, saying to use spawn', async () => {
    const result = await portableChild(`
      const { posix } = require(${JSON.stringify(path.join(dist, 'index.js'))});
      const out = {};
      for (const [name, call] of Object.entries({
        fork: () => posix.fork(), waitpid: () => posix.waitpid(1), pipe: () => posix.pipe(),
        getpid: () => posix.getpid(), getppid: () => posix.getppid(), kill: () => posix.kill(1, 0), exit: () => posix.exit(0),
      })) {
        try { call(); out[name] = 'no error'; } catch (err) { out[name] = [err.code, /spawn/.test(err.message)]; }
      }
      out.WNOHANG = posix.WNOHANG;
      console.log(JSON.stringify(out));`);
    const expected = ['ERR_BACKEND_UNSUPPORTED', true];
    assert.deepEqual(result, {
      fork: expected,
      waitpid: expected,
      pipe: expected,
      getpid: expected,
      getppid: expected,
      kill: expected,
      exit: expected,
      WNOHANG: 1,
    });
  });

  it("posix.WNOHANG is the addon's value under posix", function () {
    if (process.env.PMP_BACKEND === 'portable') this.skip(); // the addon is the posix backend's
    const { native } = require('../dist/internal/native');
    assert.equal(require('..').posix.WNOHANG, native.WNOHANG);
  });
});
