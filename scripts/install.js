// npm's install step.
//
// In a source checkout (lib/*.ts present, cmake-js installed as a dev
// dependency): build the addon with cmake-js against node-api-headers, offline.
//
// For consumers: nothing needs to run. The package ships prebuilt binaries
// (prebuilds/<platform>-<arch>/) that node-gyp-build loads at run time, so the
// package works even when npm does not run (or the user does not approve) this
// script. When it does run, it first loads the addon as the library would (a
// prebuild, or an earlier build); only when none loads does it build from
// source with node-gyp (binding.gyp, the same sources as CMakeLists.txt).
// A failed build does not fail `npm install`: the package then runs its
// portable backend (lib/backend.ts), with a one-line warning saying why.
// On Windows nothing is built: the addon is POSIX-only, and the portable
// backend is the Windows backend. `npm rebuild
// posix-multiprocessing` runs this script again and there a failed build fails.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');

function resolveFrom(id) {
  try {
    return require.resolve(id, { paths: [root] });
  } catch {
    return null;
  }
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.error) return { ok: false, why: result.error.message };
  return result.status === 0 ? { ok: true } : { ok: false, why: `exit status ${result.status}` };
}

if (process.platform === 'win32') process.exit(0);

const sourceCheckout = fs.existsSync(path.join(root, 'lib', 'index.ts'));
const cmakeJs = sourceCheckout ? resolveFrom('cmake-js/bin/cmake-js') : null;

if (cmakeJs) {
  const built = run(process.execPath, [cmakeJs, 'compile', '--log-level', 'error']);
  if (!built.ok) process.exit(1);
} else {
  let loadError = null;
  try {
    require('node-gyp-build')(root);
  } catch (err) {
    loadError = err;
  }
  if (loadError) {
    const nodeGyp = [
      process.env.npm_config_node_gyp,
      resolveFrom('node-gyp/bin/node-gyp.js'),
      path.join(
        path.dirname(process.execPath),
        '..',
        'lib',
        'node_modules',
        'npm',
        'node_modules',
        'node-gyp',
        'bin',
        'node-gyp.js',
      ),
    ].find((candidate) => candidate && fs.existsSync(candidate));
    const built = nodeGyp ? run(process.execPath, [nodeGyp, 'rebuild']) : { ok: false, why: 'node-gyp was not found' };
    if (!built.ok) {
      const rebuild = process.env.npm_command === 'rebuild';
      console.error(
        [
          `posix-multiprocessing: no prebuilt addon loads on ${process.platform}-${process.arch} ` +
            `(${String(loadError.message).split('\n')[0]}), and building it from source failed (${built.why}).`,
          '  Building needs a C++17 compiler (g++ or clang++), make and Python 3 (node-gyp).',
          '  Install them, then run: npm rebuild posix-multiprocessing',
          rebuild
            ? ''
            : '  The install goes on; posix-multiprocessing runs its portable backend until the addon is built.',
        ]
          .filter(Boolean)
          .join('\n'),
      );
      if (rebuild) process.exit(1);
    }
  }
}
