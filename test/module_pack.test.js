'use strict';
// The library's modules load from dist/module_pack.js (lib/internal/module_pack.ts),
// each under its real file name, unless the file on disk changed after the pack
// was written. Each case runs on a copy of the package, whose files it edits.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runNode } = require('./helpers/run_node');

const root = path.join(__dirname, '..');

/** A copy of the built package in a temporary directory, its dependencies linked. */
function copyPackage() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmp-pack-'));
  fs.cpSync(path.join(root, 'dist'), path.join(dir, 'dist'), { recursive: true, preserveTimestamps: true });
  fs.copyFileSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
  for (const linked of ['node_modules', 'build', 'prebuilds']) {
    if (fs.existsSync(path.join(root, linked))) fs.symlinkSync(path.join(root, linked), path.join(dir, linked));
  }
  return dir;
}

const MARKER = "\nexports.whereFrom = 'the file';\n";

/**
 * Adds an export to dist/errors.js of the copy and dates the file
 * `secondsAfterPack` from the pack's time. With `sameSize`, its comment lines
 * make room, so the file keeps the size it was packed with.
 */
function editErrorsModule(dir, secondsAfterPack, { sameSize = false } = {}) {
  const file = path.join(dir, 'dist', 'errors.js');
  const original = fs.readFileSync(file, 'utf8');
  let edited = original + MARKER;
  if (sameSize) {
    const withoutComments = original.replace(/^\s*\/\/.*$/gm, '');
    assert.ok(original.length - withoutComments.length >= MARKER.length, 'errors.js has comments to make room');
    edited = (withoutComments + MARKER).padEnd(original.length, ' ');
  }
  fs.writeFileSync(file, edited);
  const packTime = fs.statSync(path.join(dir, 'dist', 'module_pack.js')).mtime.getTime();
  const when = new Date(packTime + secondsAfterPack * 1000);
  fs.utimesSync(file, when, when);
}

/** Imports the copy in a fresh process; what its errors module exports, and whether the library works. */
async function importCopy(dir) {
  const script = `
    const lib = require(${JSON.stringify(dir)});
    const errors = require(${JSON.stringify(path.join(dir, 'dist', 'errors.js'))});
    const sameInstance = errors.CodedError === require(${JSON.stringify(path.join(dir, 'dist', 'index.js'))}).CodedError;
    console.log(JSON.stringify({ whereFrom: errors.whereFrom ?? 'the pack', sameInstance, works: typeof lib.Queue === 'function' }));
  `;
  const { code, stdout, stderr, pid } = await runNode(['-e', script], { timeout: 20000 });
  assert.equal(code, 0, `pid ${pid}: ${stderr}`);
  return JSON.parse(stdout.trim().split('\n').pop());
}

describe('module pack', () => {
  let dir;
  beforeEach(() => {
    dir = copyPackage();
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the library runs the packed module, and a require() of its file by path returns that same instance', async () => {
    editErrorsModule(dir, -60, { sameSize: true }); // changed, but not so that the pack could tell
    const report = await importCopy(dir);
    assert.equal(report.whereFrom, 'the pack', 'the module was read from its file, not from the pack');
    assert.equal(report.sameInstance, true, 'a require() by path made a second instance of the module');
    assert.equal(report.works, true);
  });

  it('a file of another size than the one packed is loaded from the file itself', async () => {
    editErrorsModule(dir, -60);
    const report = await importCopy(dir);
    assert.equal(report.whereFrom, 'the file', 'the pack ran other code than the file on disk');
    assert.equal(report.sameInstance, true);
    assert.equal(report.works, true);
  });

  it('a file dated well after the pack is loaded from the file itself, even at the same size', async () => {
    editErrorsModule(dir, 60, { sameSize: true });
    const report = await importCopy(dir);
    assert.equal(report.whereFrom, 'the file', 'the pack ran older code than the file on disk');
    assert.equal(report.sameInstance, true);
    assert.equal(report.works, true);
  });

  it('a packed module deleted from require.cache loads afresh from its file on the next require()', async () => {
    const errorsFile = path.join(dir, 'dist', 'errors.js');
    const script = `
      require(${JSON.stringify(dir)});
      const first = require(${JSON.stringify(errorsFile)});
      delete require.cache[${JSON.stringify(errorsFile)}];
      const second = require(${JSON.stringify(errorsFile)});
      console.log(JSON.stringify({ fresh: first !== second, works: typeof second.CodedError === 'function' }));
    `;
    const { code, stdout, stderr, pid } = await runNode(['-e', script], { timeout: 20000 });
    assert.equal(code, 0, `pid ${pid}: ${stderr}`);
    assert.deepEqual(JSON.parse(stdout.trim().split('\n').pop()), { fresh: true, works: true });
  });

  it('a packed module that throws while it loads is not left half-loaded: the next require() runs it again', async () => {
    // The queue kernel loads with the first Queue; make its packed copy throw the first time.
    const packFile = path.join(dir, 'dist', 'module_pack.js');
    const kernel = process.env.PMP_BACKEND === 'portable' ? 'kernels/portable/queues.js' : 'kernels/posix/queues.js';
    const opening = `"${kernel}": (function (exports, require, module, __filename, __dirname) {`;
    const pack = fs.readFileSync(packFile, 'utf8');
    assert.ok(pack.includes(opening), `the pack holds ${kernel}`);
    const stat = fs.statSync(packFile);
    fs.writeFileSync(
      packFile,
      pack.replace(
        opening,
        `${opening}\nif (!globalThis.thrownOnce) { globalThis.thrownOnce = true; throw new Error('first load fails'); }`,
      ),
    );
    fs.utimesSync(packFile, stat.atime, stat.mtime);
    const script = `
      const { Queue } = require(${JSON.stringify(dir)});
      let first;
      try { new Queue().close(); first = 'made'; } catch (err) { first = err.message; }
      const q = new Queue();
      q.putSync(7);
      console.log(JSON.stringify({ first, second: q.getSync() }));
      q.close();
    `;
    const { code, stdout, stderr, pid } = await runNode(['-e', script], { timeout: 20000 });
    assert.equal(code, 0, `pid ${pid}: ${stderr}`);
    assert.deepEqual(JSON.parse(stdout.trim().split('\n').pop()), { first: 'first load fails', second: 7 });
  });

  it("a spawned child loads what its entry script imports (the addon's loader included) from the pack", async () => {
    // Every packed module notes that it ran from the pack.
    const packFile = path.join(dir, 'dist', 'module_pack.js');
    const stat = fs.statSync(packFile);
    const opening = '(function (exports, require, module, __filename, __dirname) {';
    const pack = fs.readFileSync(packFile, 'utf8');
    fs.writeFileSync(packFile, pack.replaceAll(opening, `${opening}(globalThis.ranFromPack ??= []).push(__filename);`));
    fs.utimesSync(packFile, stat.atime, stat.mtime);
    const expected = ['index.js', 'child/spawned_child.js'];
    if (process.env.PMP_BACKEND !== 'portable') expected.push('internal/native.js');
    const script = path.join(dir, 'spawn_check.js');
    fs.writeFileSync(
      script,
      `
      const path = require('node:path');
      const { getContext, isMainProcess } = require(${JSON.stringify(dir)});
      exports.check = function check(keys) {
        const ran = globalThis.ranFromPack ?? [];
        const missing = keys.filter((key) => !ran.includes(path.join(${JSON.stringify(dir)}, 'dist', key)));
        if (missing.length > 0) throw new Error('not from the pack: ' + missing.join(', '));
      };
      if (isMainProcess()) {
        const p = new (getContext('spawn').Process)({ target: exports.check, args: [${JSON.stringify(expected)}] });
        p.start();
        p.join().then(() => console.log(JSON.stringify({ exitcode: p.exitcode })));
      }
      `,
    );
    const { code, stdout, stderr, pid } = await runNode([script], { timeout: 20000 });
    assert.equal(code, 0, `pid ${pid}: ${stderr}`);
    assert.deepEqual(JSON.parse(stdout.trim().split('\n').pop()), { exitcode: 0 }, stderr);
  });

  it('without a pack every module loads from its file', async () => {
    editErrorsModule(dir, -60);
    fs.rmSync(path.join(dir, 'dist', 'module_pack.js'));
    const report = await importCopy(dir);
    assert.equal(report.whereFrom, 'the file');
    assert.equal(report.works, true);
  });
});
