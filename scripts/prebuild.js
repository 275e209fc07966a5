// npm's prepack step (also `npm run build:prebuilds`): builds the addon's
// prebuilt binaries into prebuilds/<platform>-<arch>/, so that the packed
// package installs without a compiler (node-gyp-build loads them at run time).
//
// One N-API build (NAPI_VERSION 8) serves every Node line the package supports
// (20.17+, 22, 24, 26). prebuildify runs node-gyp on binding.gyp (the same
// sources as CMakeLists.txt) with --napi --strip, in a copy of the sources in a
// temporary directory, so the checkout's own cmake-js build/ is left alone.
//
// Targets: the host's platform-arch always. On a linux-x64 host also linux-arm64
// when Debian's cross toolchain is installed (apt-get install g++-aarch64-linux-gnu);
// without it that build is skipped with a note, and an arm64 prebuild left from an
// earlier build of other sources is removed rather than shipped stale.
// PMP_PREBUILD_ARCHS=x64,arm64 asks for exactly those arches (missing tools are
// then an error).
//
// A build is skipped when the prebuild on disk was made from the same inputs
// (binding.gyp, native/*, node-addon-api's version, this script): the stamp is
// kept in node_modules/.cache, not in prebuilds/, so it is never packed.
'use strict';
const { spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const platform = os.platform();
const hostArch = os.arch();
const stampDir = path.join(root, 'node_modules', '.cache', 'posix-multiprocessing-prebuild');

// Cross toolchains we know how to drive (Debian package names in the comments).
const CROSS = {
  'linux-x64': { prefix: 'x86_64-linux-gnu-' }, // g++-x86-64-linux-gnu
  'linux-arm64': { prefix: 'aarch64-linux-gnu-' }, // g++-aarch64-linux-gnu
};

function log(message) {
  console.error(`prebuild: ${message}`);
}

function onPath(command) {
  return (process.env.PATH || '').split(path.delimiter).some((dir) => {
    try {
      fs.accessSync(path.join(dir, command), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

function resolveFrom(id, dirs) {
  try {
    return require.resolve(id, { paths: dirs });
  } catch {
    return null;
  }
}

// node-gyp: the one npm runs scripts with, a local one, or npm's bundled copy.
function findNodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    resolveFrom('node-gyp/bin/node-gyp.js', [root]),
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
  ];
  for (const candidate of candidates) {
    if (candidate && fs.existsSync(candidate)) return candidate;
  }
  throw new Error('node-gyp was not found (it ships with npm); set npm_config_node_gyp to its bin/node-gyp.js');
}

// Node's own headers when they are installed next to the node binary (distro
// packages and the official tarballs have them): node-gyp then needs no download.
function localNodeDir() {
  const dir = path.join(path.dirname(process.execPath), '..');
  const version = path.join(dir, 'include', 'node', 'node_version.h');
  if (!fs.existsSync(version) || !fs.existsSync(path.join(dir, 'include', 'node', 'common.gypi'))) return null;
  const text = fs.readFileSync(version, 'utf8');
  const part = (name) => (text.match(new RegExp(`#define ${name} (\\d+)`)) || [])[1];
  const found = `${part('NODE_MAJOR_VERSION')}.${part('NODE_MINOR_VERSION')}.${part('NODE_PATCH_VERSION')}`;
  return found === process.versions.node ? path.resolve(dir) : null;
}

function inputsHash(arch) {
  const hash = crypto.createHash('sha256');
  hash.update(`${platform}-${arch}\n`);
  hash.update(require(path.join(root, 'node_modules', 'node-addon-api', 'package.json')).version);
  const files = [
    'binding.gyp',
    'scripts/prebuild.js',
    ...fs
      .readdirSync(path.join(root, 'native'))
      .sort()
      .map((f) => `native/${f}`),
  ];
  for (const file of files) {
    hash.update(`\n${file}\n`);
    hash.update(fs.readFileSync(path.join(root, file)));
  }
  return hash.digest('hex');
}

function prebuildFiles(arch) {
  const dir = path.join(root, 'prebuilds', `${platform}-${arch}`);
  try {
    return fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.node'))
      .map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

function upToDate(arch, hash) {
  try {
    const stamp = JSON.parse(fs.readFileSync(path.join(stampDir, `${platform}-${arch}.json`), 'utf8'));
    const files = prebuildFiles(arch);
    return (
      stamp.hash === hash &&
      files.length > 0 &&
      files.every(
        (f) => stamp.files.includes(path.basename(f)) && fs.statSync(f).size === stamp.sizes[path.basename(f)],
      )
    );
  } catch {
    return false;
  }
}

function toolchain(arch) {
  if (arch === hostArch) return { env: {}, stripBin: 'strip' };
  const cross = CROSS[`${platform}-${arch}`];
  if (!cross || !onPath(`${cross.prefix}g++`)) return null;
  const p = cross.prefix;
  return {
    env: { CC: `${p}gcc`, CXX: `${p}g++`, LINK: `${p}g++`, AR: `${p}ar`, CC_target: `${p}gcc`, CXX_target: `${p}g++` },
    stripBin: onPath(`${p}strip`) ? `${p}strip` : null,
  };
}

function build(arch, tools, nodeGyp, nodeDir) {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), `pmp-prebuild-${arch}-`));
  try {
    for (const entry of ['package.json', 'binding.gyp', 'native']) {
      fs.cpSync(path.join(root, entry), path.join(work, entry), { recursive: true });
    }
    // binding.gyp asks node-addon-api for its include dir from the build directory.
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(work, 'node_modules'), 'dir');
    const env = { ...process.env, ...tools.env };
    if (nodeDir) env.npm_config_nodedir = nodeDir;
    env.npm_config_loglevel = 'warn'; // node-gyp: no "gyp info" lines
    env.npm_config_jobs = String(os.availableParallelism?.() ?? os.cpus().length);
    const options = {
      cwd: work,
      out: work,
      arch,
      napi: true,
      strip: Boolean(tools.stripBin),
      stripBin: tools.stripBin || 'strip',
      tagLibc: platform === 'linux',
      targets: [`node@${process.versions.node}`],
      nodeGyp,
      quiet: false,
    };
    // prebuildify reads the environment (the compilers, nodedir) of the process it runs in.
    const script = [
      'const prebuildify = require(process.argv[1]);',
      'prebuildify(JSON.parse(process.argv[2]), (err) => { if (err) { console.error(err.stack || err); process.exit(1); } });',
    ].join('\n');
    const result = spawnSync(
      process.execPath,
      ['-e', script, resolveFrom('prebuildify', [root]), JSON.stringify(options)],
      { cwd: work, env, stdio: ['ignore', 'ignore', 'inherit'] },
    );
    if (result.error) throw result.error;
    if (result.status !== 0) throw new Error(`prebuildify failed for ${platform}-${arch} (exit ${result.status})`);
    const built = path.join(work, 'prebuilds', `${platform}-${arch}`);
    const files = fs.readdirSync(built).filter((f) => f.endsWith('.node'));
    if (files.length === 0) throw new Error(`prebuildify made no .node file for ${platform}-${arch}`);
    const dest = path.join(root, 'prebuilds', `${platform}-${arch}`);
    fs.rmSync(dest, { recursive: true, force: true });
    fs.mkdirSync(dest, { recursive: true });
    for (const f of files) fs.copyFileSync(path.join(built, f), path.join(dest, f));
    return files;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function main() {
  const requested = process.env.PMP_PREBUILD_ARCHS
    ? process.env.PMP_PREBUILD_ARCHS.split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : null;
  const arches = requested ?? [hostArch, ...(platform === 'linux' && hostArch === 'x64' ? ['arm64'] : [])];
  if (platform === 'win32') {
    log('no prebuilds on Windows (the addon is POSIX-only)');
    return;
  }
  const nodeGyp = findNodeGyp();
  const nodeDir = localNodeDir();
  if (!nodeDir) log(`no local headers for Node ${process.versions.node}: node-gyp will download them`);
  fs.mkdirSync(stampDir, { recursive: true });
  for (const arch of arches) {
    const hash = inputsHash(arch);
    if (upToDate(arch, hash)) {
      log(
        `${platform}-${arch}: up to date (${prebuildFiles(arch)
          .map((f) => path.relative(root, f))
          .join(', ')})`,
      );
      continue;
    }
    const tools = toolchain(arch);
    if (!tools) {
      const cross = CROSS[`${platform}-${arch}`];
      const why = cross ? `${cross.prefix}g++ is not on PATH` : 'no cross toolchain is known for it';
      if (requested) throw new Error(`cannot build ${platform}-${arch}: ${why}`);
      const stale = path.join(root, 'prebuilds', `${platform}-${arch}`);
      if (fs.existsSync(stale)) {
        fs.rmSync(stale, { recursive: true, force: true });
        log(`${platform}-${arch}: removed a prebuild made from other sources`);
      }
      log(`${platform}-${arch}: skipped (${why})`);
      continue;
    }
    if (!tools.stripBin) log(`${platform}-${arch}: no strip for this arch, the binary is not stripped`);
    const started = Date.now();
    const files = build(arch, tools, nodeGyp, nodeDir);
    const sizes = Object.fromEntries(
      files.map((f) => [f, fs.statSync(path.join(root, 'prebuilds', `${platform}-${arch}`, f)).size]),
    );
    fs.writeFileSync(path.join(stampDir, `${platform}-${arch}.json`), JSON.stringify({ hash, files, sizes }));
    log(`${platform}-${arch}: built ${files.join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
}

try {
  main();
} catch (err) {
  log(err.message);
  process.exit(1);
}
