// The package as a user gets it: `npm pack` (whose prepack step makes the
// prebuilds), then `npm install --ignore-scripts` of the tarball into a fresh
// project with no compiler on PATH. The addon must load from prebuilds/, the
// install script must not rebuild when a prebuild loads, and without a fitting
// prebuild loading must throw one clear error.
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync, spawnSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const tuple = `${process.platform}-${process.arch}`;

// npm's own CLI script, run with this node (so PATH may hold nothing but node and sh).
function npmCli() {
  const candidates = [process.env.npm_execpath];
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    const npm = path.join(dir, 'npm');
    if (fs.existsSync(npm)) candidates.push(fs.realpathSync(npm));
  }
  const found = candidates.find((c) => c && /npm-cli\.js$/.test(c) && fs.existsSync(c));
  if (!found) throw new Error('npm-cli.js not found');
  return found;
}

// A bin directory with node and sh only: no g++, cc, make, cmake or python.
function bareBin(dir) {
  fs.mkdirSync(dir);
  fs.symlinkSync(process.execPath, path.join(dir, 'node'));
  fs.symlinkSync('/bin/sh', path.join(dir, 'sh'));
  return dir;
}

describe('package: prebuilt addon', function () {
  // Packing runs tsc and (when native/ changed since the last one) a prebuild:
  // ~30 s cached, up to a few minutes for a first build on a busy 2-core machine.
  this.timeout(300000);
  if (process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch)) return;

  let work;
  let pack;
  let installed;
  let bin;
  let env;

  before(() => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'pmp-prebuild-test-'));
    bin = bareBin(path.join(work, 'bin'));
    // Only this machine's arch: the test needs no cross toolchain.
    const out = execFileSync(process.execPath, [npmCli(), 'pack', '--json', '--pack-destination', work], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NODE_OPTIONS: '', PMP_PREBUILD_ARCHS: process.arch },
      maxBuffer: 64 * 1024 * 1024,
    });
    pack = JSON.parse(out.slice(out.search(/^\[/m)))[0];

    const project = path.join(work, 'consumer');
    fs.mkdirSync(project);
    fs.writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }),
    );
    env = { ...process.env, NODE_OPTIONS: '', PATH: bin };
    for (const key of Object.keys(env)) if (/^npm_/i.test(key)) delete env[key];
    delete env.PMP_NATIVE_ADDON_PATH; // (set by test:sanitize) the installed package loads its own prebuild
    execFileSync(
      process.execPath,
      [
        npmCli(),
        'install',
        '--ignore-scripts',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        path.join(work, pack.filename),
      ],
      { cwd: project, env, stdio: 'pipe' },
    );
    installed = path.join(project, 'node_modules', 'posix-multiprocessing');
  });

  after(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  function nodeIn(args, extraEnv = {}) {
    return spawnSync(process.execPath, args, {
      cwd: path.dirname(path.dirname(installed)),
      env: { ...env, ...extraEnv },
      encoding: 'utf8',
    });
  }

  it('npm pack holds the prebuild, the compiled library, LICENSE and docs, and no sources of the build', () => {
    const files = pack.files.map((f) => f.path);
    assert.ok(
      files.some((f) => new RegExp(`^prebuilds/${tuple}/[^/]+\\.node$`).test(f)),
      `no prebuild for ${tuple} in ${files.join(' ')}`,
    );
    for (const f of [
      'LICENSE',
      'README.md',
      'docs/api.md',
      'dist/index.js',
      'dist/index.mjs',
      'dist/index.d.ts',
      'scripts/install.js',
      'binding.gyp',
    ]) {
      assert.ok(files.includes(f), `${f} missing from the tarball`);
    }
    assert.ok(!files.some((f) => /^(lib|test|build|bench|node_modules)\//.test(f)), 'sources or build output packed');
    assert.ok(pack.size < 2 * 1024 * 1024, `tarball is ${pack.size} bytes`);
  });

  it('installed with --ignore-scripts and no compiler, it loads the prebuild (CommonJS and ESM)', () => {
    assert.ok(!fs.existsSync(path.join(installed, 'build')), 'nothing was compiled at install');
    const cjs = nodeIn([
      '-e',
      [
        "const { posix } = require('posix-multiprocessing');",
        "const file = require('node-gyp-build').resolve(require('path').dirname(require.resolve('posix-multiprocessing/package.json')));",
        'console.log(JSON.stringify({ file, pid: posix.getpid() === process.pid }));',
      ].join('\n'),
    ]);
    assert.equal(cjs.status, 0, cjs.stderr);
    const report = JSON.parse(cjs.stdout);
    assert.match(report.file, new RegExp(`prebuilds/${tuple}/`));
    assert.equal(report.pid, true);
    const esm = nodeIn([
      '--input-type=module',
      '-e',
      "import { posix } from 'posix-multiprocessing'; console.log(posix.getppid() > 0)",
    ]);
    assert.equal(esm.status, 0, esm.stderr);
    assert.equal(esm.stdout.trim(), 'true');
  });

  it('its install script, when it runs, does not rebuild while a prebuild loads', () => {
    const run = nodeIn([path.join(installed, 'scripts', 'install.js')], { npm_command: 'install' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, '');
    assert.ok(!fs.existsSync(path.join(installed, 'build')), 'the install script built the addon');
  });

  it('without a fitting prebuild, the package runs its portable backend and says why in one warning', () => {
    fs.renameSync(path.join(installed, 'prebuilds'), path.join(work, 'prebuilds-aside'));
    try {
      const run = nodeIn([
        '-e',
        [
          "const { backend, Lock } = require('posix-multiprocessing');",
          'const lock = new Lock();',
          'const held = lock.acquireSync();',
          'lock.release();',
          'console.log(JSON.stringify({ backend: backend(), held }));',
        ].join('\n'),
      ]);
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(JSON.parse(run.stdout), { backend: 'portable', held: true });
      const warnings = run.stderr.split('\n').filter((line) => line.includes('PMP_PORTABLE_BACKEND'));
      assert.equal(warnings.length, 1, run.stderr);
      assert.match(warnings[0], /portable backend: No prebuilt addon fits/);
      assert.match(warnings[0], /npm rebuild posix-multiprocessing/);
      // Forcing posix gives the whole story: what is missing and how to build it.
      const forced = nodeIn(
        [
          '-e',
          "try { new (require('posix-multiprocessing').Lock)() } catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })) }",
        ],
        { PMP_BACKEND: 'posix' },
      );
      assert.equal(forced.status, 0, forced.stderr);
      const { code, message } = JSON.parse(forced.stdout);
      assert.equal(code, 'ERR_NATIVE_ADDON_MISSING');
      assert.match(message, new RegExp(tuple));
      assert.match(message, /No prebuilt addon fits/);
      assert.match(message, /C\+\+17 compiler/);
      assert.match(message, /make/);
      assert.match(message, /npm rebuild posix-multiprocessing/);
      assert.doesNotMatch(message, /No native build was found/);
      // The install script, with no compiler, says the same and lets the install go on.
      const install = nodeIn([path.join(installed, 'scripts', 'install.js')], { npm_command: 'install' });
      assert.equal(install.status, 0, install.stderr);
      assert.match(install.stderr, /npm rebuild posix-multiprocessing/);
      assert.ok(!fs.existsSync(path.join(installed, 'build', 'Release', 'posix_multiprocessing.node')));
    } finally {
      fs.renameSync(path.join(work, 'prebuilds-aside'), path.join(installed, 'prebuilds'));
    }
  });
});
