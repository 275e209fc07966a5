// npm's install step. In a source checkout (cmake-js installed as a dev
// dependency) build the addon with cmake-js against node-api-headers, offline.
// For consumers: use a prebuild or an existing build when one loads, otherwise
// build from source with node-gyp (binding.gyp builds the same sources).
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.error) throw result.error;
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function resolveFrom(id) {
  try {
    return require.resolve(id, { paths: [root] });
  } catch {
    return null;
  }
}

const cmakeJs = resolveFrom('cmake-js/bin/cmake-js');
if (cmakeJs) {
  run(process.execPath, [cmakeJs, 'compile', '--log-level', 'error']);
} else {
  let loaded = false;
  try {
    require('node-gyp-build')(root);
    loaded = true;
  } catch {
    loaded = false;
  }
  if (!loaded) {
    const nodeGyp = resolveFrom('node-gyp/bin/node-gyp.js') ?? path.join(path.dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js');
    run(process.execPath, [nodeGyp, 'rebuild']);
  }
}
