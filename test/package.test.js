'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const root = path.join(__dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function node(args, cwd) {
  return execFileSync(process.execPath, args, { cwd, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
}

describe('package', () => {
  it('import and require expose the same names', () => {
    const cjs = JSON.parse(node(['-e', "console.log(JSON.stringify(Object.keys(require('posix-multiprocessing')).sort()))"], root));
    const esm = JSON.parse(node(['--input-type=module', '-e',
      "import * as m from 'posix-multiprocessing'; console.log(JSON.stringify(Object.keys(m).filter((k) => k !== 'default').sort()))"], root));
    assert.deepEqual(esm, cjs);
    assert.ok(cjs.includes('posix'));
  });

  it('strict TypeScript consumers type-check against the declarations', function () {
    this.timeout(60000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmp-ts-'));
    try {
      fs.writeFileSync(path.join(dir, 'consumer.ts'), [
        "import { posix } from 'posix-multiprocessing';",
        'const pid: number = posix.fork();',
        'if (pid === 0) posix.exit(0);',
        'const status: { exitCode: number | null } = posix.waitpid(pid);',
        'console.log(status.exitCode);',
      ].join('\n'));
      // Resolve the package by name, as a consumer's node_modules would.
      fs.mkdirSync(path.join(dir, 'node_modules'));
      fs.symlinkSync(root, path.join(dir, 'node_modules', 'posix-multiprocessing'), 'dir');
      fs.symlinkSync(path.join(root, 'node_modules', '@types'), path.join(dir, 'node_modules', '@types'), 'dir');
      node([path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--strict', '--noEmit', '--module', 'nodenext',
        '--moduleResolution', 'nodenext', '--types', 'node', 'consumer.ts'], dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a packed tarball installs into a fresh project and loads its prebuild', function () {
    this.timeout(240000);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'pmp-pack-'));
    try {
      // Build the prebuild in a copy, so the suite's own build/ is left alone.
      const copy = path.join(work, 'package');
      fs.mkdirSync(copy);
      for (const entry of ['package.json', 'binding.gyp', 'CMakeLists.txt', 'native', 'dist', 'scripts']) {
        fs.cpSync(path.join(root, entry), path.join(copy, entry), { recursive: true });
      }
      fs.symlinkSync(path.join(root, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
      execFileSync(process.execPath, [path.join(root, 'node_modules', 'prebuildify', 'bin.js'), '--napi', '--strip'],
        { cwd: copy, stdio: 'pipe' });
      const prebuilt = fs.readdirSync(path.join(copy, 'prebuilds', `${process.platform}-${process.arch}`));
      assert.ok(prebuilt.some((f) => f.endsWith('.node')), `prebuilds: ${prebuilt}`);
      fs.rmSync(path.join(copy, 'build'), { recursive: true, force: true });
      fs.unlinkSync(path.join(copy, 'node_modules'));
      const tarball = execFileSync(npm, ['pack', '--ignore-scripts', '--silent'], { cwd: copy, encoding: 'utf8' }).trim().split('\n').pop();

      const project = path.join(work, 'consumer');
      fs.mkdirSync(project);
      fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
      execFileSync(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', path.join(copy, tarball)], { cwd: project, stdio: 'pipe' });
      const installed = path.join(project, 'node_modules', 'posix-multiprocessing');
      assert.ok(!fs.existsSync(path.join(installed, 'build')), 'nothing was compiled at install');
      const loaded = node(['-e', [
        "const nodeGypBuild = require('node-gyp-build');",
        "const { posix } = require('posix-multiprocessing');",
        "console.log(JSON.stringify({ file: nodeGypBuild.resolve(require('path').dirname(require.resolve('posix-multiprocessing/package.json'))), pid: posix.getpid() === process.pid }));",
      ].join('\n')], project);
      const report = JSON.parse(loaded);
      assert.match(report.file, /prebuilds/);
      assert.equal(report.pid, true);
      const esm = node(['--input-type=module', '-e', "import { posix } from 'posix-multiprocessing'; console.log(posix.getppid() > 0)"], project);
      assert.equal(esm.trim(), 'true');
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  });
});
