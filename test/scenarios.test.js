// The library as users meet it: the packed tarball installed with npm and with
// pnpm, and the repository linked in through a symlink (npm link, workspaces),
// each running the same program as CommonJS, an ES module, TypeScript through
// tsx (CommonJS and ES module projects) and TypeScript compiled by tsc, under
// the node that runs this suite (.ci/run runs the suite on each Node line).
'use strict';
const assert = require('node:assert');
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runNode } = require('./helpers/run_node');

const repo = path.join(__dirname, '..');
const scenarios = path.join(__dirname, 'scenarios');
const tsxCli = require.resolve('tsx/cli', { paths: [repo] });
const tscCli = require.resolve('typescript/bin/tsc', { paths: [repo] });
const pnpmCli = path.join(repo, 'node_modules', 'pnpm', 'bin', 'pnpm.cjs');
// The start methods that import functions by name: spawn alone under portable.
const METHODS = process.env.PMP_BACKEND === 'portable' ? ['spawn'] : ['forkserver', 'spawn'];

const FLAVOURS = {
  CommonJS: ['cjs/main.js'],
  'ES module': ['esm/main.js'],
  'TypeScript through tsx, CommonJS project': [tsxCli, 'tsx-cjs/main.ts'],
  'TypeScript through tsx, ES module project': [tsxCli, 'tsx-esm/main.ts'],
  'TypeScript compiled by tsc (nodenext)': ['tsc/main.js'],
};

const EXPECTED = {
  queue: '0,1,2 exit 0',
  subclass: 'reported exit 0',
  poolImported: '1,4,9',
  poolMain: '1,8,27',
  poolClosure: 'ERR_NOT_IMPORTABLE names the file',
  manager: 'child',
  executor: '27, one library',
};

function run(command, args, cwd) {
  // The node under test runs the package managers too, so installs see its version.
  execFileSync(command, args, {
    cwd,
    stdio: 'pipe',
    env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' },
  });
}

/** A scratch project holding every flavour, with the library installed by `install`. */
function makeProject(root, name, install) {
  const dir = path.join(root, name);
  fs.cpSync(scenarios, dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: `scenario-${name}`, version: '1.0.0', private: true }),
  );
  install(dir);
  run(
    process.execPath,
    [tscCli, '-p', 'tsc/tsconfig.json', '--typeRoots', path.join(repo, 'node_modules/@types')],
    dir,
  );
  return dir;
}

describe('the package as users install it', function () {
  this.timeout(600000);
  let root;
  const projects = {};

  before(function () {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'pmp-scenarios-'));
    run('npm', ['pack', '--pack-destination', root, '--silent'], repo);
    const tarball = path.join(
      root,
      fs.readdirSync(root).find((f) => f.endsWith('.tgz')),
    );
    projects.npm = makeProject(root, 'npm', (dir) => run('npm', ['install', tarball], dir));
    projects.pnpm = makeProject(root, 'pnpm', (dir) => run(process.execPath, [pnpmCli, 'add', tarball], dir));
    projects.link = makeProject(root, 'link', (dir) => {
      fs.mkdirSync(path.join(dir, 'node_modules'));
      fs.symlinkSync(repo, path.join(dir, 'node_modules', 'posix-multiprocessing'), 'dir');
    });
  });

  after(function () {
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  for (const installer of ['npm', 'pnpm', 'link']) {
    for (const [flavour, args] of Object.entries(FLAVOURS)) {
      it(`${flavour}, installed by ${installer === 'link' ? 'a symlink' : installer}: a Process, a subclass, Pool.map from two modules, a closure refused, a Manager dict, a ProcessPoolExecutor from the futures entry`, async function () {
        const { code, stdout, stderr, pid } = await runNode(args, {
          cwd: projects[installer],
          singleThreaded: false,
          timeout: 120000,
          env: { SCENARIO_METHODS: METHODS.join(',') },
        });
        assert.strictEqual(code, 0, `pid ${pid} exited ${code}: ${stderr}`);
        const report = JSON.parse(stdout.trim().split('\n').pop());
        for (const method of METHODS) assert.deepStrictEqual(report[method], EXPECTED, `under ${method}`);
      });
    }
  }
});
