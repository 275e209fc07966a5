// Finding targets and pool functions that ES modules export (any module, any
// export form), and refusing closures and unexported functions with where they
// were defined, under the start methods that import functions by name.
'use strict';
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { runNode, fixture } = require('./helpers/run_node');

/** line:column (1-based) that V8 gives a function declared by `text` (`function name`) in a fixture module: its parameter list. */
function whereDefined(file, text) {
  const lines = fs.readFileSync(path.join(__dirname, 'fixtures', 'esm_modules', file), 'utf8').split('\n');
  const line = lines.findIndex((l) => l.includes(text));
  return `${line + 1}:${lines[line].indexOf(text) + text.length + 1}`;
}

const DEFINED_AT = /\(defined at .*\.mjs:\d+:\d+\)/;

// The start methods that import functions by name: forkserver and spawn under posix, spawn alone under portable.
const METHODS = process.env.PMP_BACKEND === 'portable' ? ['spawn'] : ['forkserver', 'spawn'];

describe('functions exported by ES modules', function () {
  for (const method of METHODS) {
    describe(`under ${method}`, function () {
      let report;
      before(async function () {
        this.timeout(60000);
        const { code, stdout, stderr, pid } = await runNode([fixture('esm_modules/main.mjs'), method], {
          timeout: 50000,
        });
        assert.strictEqual(code, 0, `pid ${pid}: ${stderr}`);
        report = JSON.parse(stdout.trim().split('\n').pop());
      });

      it('a target exported by name from another ES module runs in the child', function () {
        assert.deepStrictEqual(report.named, [0, 'named']);
      });
      it('a default export runs in the child', function () {
        assert.deepStrictEqual(report.default, [0, 'default']);
      });
      it('an export under another name (export { f as g }) runs in the child', function () {
        assert.deepStrictEqual(report.renamed, [0, 'aliased']);
      });
      it('a Process subclass exported from another ES module runs its run()', function () {
        assert.deepStrictEqual(report.subclass, [0, 'subclass']);
      });
      it('Pool.map runs a function exported from another ES module', function () {
        assert.deepStrictEqual(report.pool, [3, 6]);
      });
      it('a closure throws ERR_NOT_IMPORTABLE at start(), naming the function and where it was defined', function () {
        assert.strictEqual(report.closure.code, 'ERR_NOT_IMPORTABLE');
        assert.match(report.closure.message, /'closureTarget'/);
        assert.match(
          report.closure.message,
          new RegExp(`targets\\.mjs:${whereDefined('targets.mjs', 'function closureTarget')}`),
        );
      });
      it('a function its module does not export fails with ERR_NOT_IMPORTABLE naming where it was defined', function () {
        if (method === 'forkserver') {
          // The forkserver imports it before forking, so start() itself throws.
          assert.strictEqual(report.notExported.code, 'ERR_NOT_IMPORTABLE');
          assert.match(report.notExported.message, DEFINED_AT);
        } else {
          // A spawned child is started before anything is imported: it exits 1 with the error.
          assert.deepStrictEqual(report.notExported, [1, null]);
        }
      });
    });
  }

  it('a pool started from `node -e` refuses a built-in function instead of re-running the -e code in every child', async function () {
    const code = `
      const { Pool, isMainProcess } = require(${JSON.stringify(require.resolve('..'))});
      if (isMainProcess()) {
        const pool = new Pool({ processes: 1, context: 'spawn' });
        pool.map(Math.abs, [1]).then(() => console.log('ran'), (e) => console.log(e.code)).finally(() => { pool.terminate(); return pool.join(); });
      }`;
    const { stdout, pid } = await runNode(['-e', code], { timeout: 20000 });
    assert.strictEqual(stdout.trim(), 'ERR_NOT_IMPORTABLE', `pid ${pid}`);
  });
});

describe('a child that cannot import what it needs', function () {
  for (const method of METHODS) {
    it(`under ${method}, Pool work whose module throws on import in children fails with an error instead of hanging`, async function () {
      const { code, stdout, stderr, pid } = await runNode([fixture('esm_modules/unloadable_main.mjs'), method], {
        timeout: 30000,
      });
      assert.strictEqual(code, 0, `pid ${pid}: ${stderr}`);
      const outcome = JSON.parse(stdout.trim().split('\n').pop());
      assert.ok(outcome.error, `expected an error, got ${stdout}`);
      // The import error itself reaches the caller (forkserver) or the workers' stderr (spawn).
      assert.match(method === 'forkserver' ? outcome.error : stderr, /cannot load outside the main process/);
    });
  }
});

describe('a CommonJS main that starts work before its closing module.exports', function () {
  for (const method of METHODS) {
    it(`under ${method}: a pool maps a function exported at the end; an unexported one fails with ERR_NOT_IMPORTABLE`, async function () {
      this.timeout(60000);
      const { code, stdout, stderr, pid } = await runNode([fixture('exports_at_end.js'), method], { timeout: 50000 });
      assert.strictEqual(code, 0, `pid ${pid}: ${stderr}`);
      assert.deepStrictEqual(JSON.parse(stdout.trim().split('\n').pop()), {
        squares: [1, 4, 9],
        refused: 'ERR_NOT_IMPORTABLE',
      });
    });
  }
});
