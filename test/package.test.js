'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const root = path.join(__dirname, '..');

function node(args, cwd) {
  return execFileSync(process.execPath, args, { cwd, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
}

describe('package', () => {
  it('import and require expose the same names', () => {
    const cjs = JSON.parse(
      node(['-e', "console.log(JSON.stringify(Object.keys(require('posix-multiprocessing')).sort()))"], root),
    );
    const esm = JSON.parse(
      node(
        [
          '--input-type=module',
          '-e',
          "import * as m from 'posix-multiprocessing'; console.log(JSON.stringify(Object.keys(m).filter((k) => k !== 'default').sort()))",
        ],
        root,
      ),
    );
    assert.deepEqual(esm, cjs);
    assert.ok(cjs.includes('posix'));
  });

  it('import and require of posix-multiprocessing/futures expose the same names', () => {
    const cjs = JSON.parse(
      node(['-e', "console.log(JSON.stringify(Object.keys(require('posix-multiprocessing/futures')).sort()))"], root),
    );
    const esm = JSON.parse(
      node(
        [
          '--input-type=module',
          '-e',
          "import * as m from 'posix-multiprocessing/futures'; console.log(JSON.stringify(Object.keys(m).filter((k) => k !== 'default').sort()))",
        ],
        root,
      ),
    );
    assert.deepEqual(esm, cjs);
    assert.ok(cjs.includes('ProcessPoolExecutor') && cjs.includes('CancelledError'));
  });

  it('strict TypeScript consumers type-check against the declarations', function () {
    this.timeout(60000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pmp-ts-'));
    try {
      fs.writeFileSync(
        path.join(dir, 'consumer.ts'),
        [
          "import { posix } from 'posix-multiprocessing';",
          'const pid: number = posix.fork();',
          'if (pid === 0) posix.exit(0);',
          'const status: { exitCode: number | null } = posix.waitpid(pid);',
          'console.log(status.exitCode);',
          "import { ProcessPoolExecutor, wait, FIRST_COMPLETED, type Future } from 'posix-multiprocessing/futures';",
          'export async function first(executor: ProcessPoolExecutor, double: (x: number) => number): Promise<Set<Future<number>>> {',
          '  const { done } = await wait([executor.submit(double, 2)], { returnWhen: FIRST_COMPLETED });',
          '  return done;',
          '}',
        ].join('\n'),
      );
      // Resolve the package by name, as a consumer's node_modules would.
      fs.mkdirSync(path.join(dir, 'node_modules'));
      fs.symlinkSync(root, path.join(dir, 'node_modules', 'posix-multiprocessing'), 'dir');
      fs.symlinkSync(path.join(root, 'node_modules', '@types'), path.join(dir, 'node_modules', '@types'), 'dir');
      node(
        [
          path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
          '--strict',
          '--noEmit',
          '--module',
          'nodenext',
          '--moduleResolution',
          'nodenext',
          '--types',
          'node',
          'consumer.ts',
        ],
        dir,
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
