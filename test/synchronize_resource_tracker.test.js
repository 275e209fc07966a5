'use strict';
const assert = require('node:assert');
const fs = require('node:fs');
const { spawn } = require('node:child_process');
const { fixture } = require('./helpers/run_node');
const { native } = require('../dist/internal/native');
const { trackResource, untrackResource } = require('../dist/resource_tracker');
const { randomOsName } = require('../dist/internal/os_names');

function inDevShm(name) {
  return fs.existsSync(`/dev/shm/${name}`);
}

async function pollUntil(predicate, timeout, what) {
  const deadline = Date.now() + timeout;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('resource tracker', function () {
  it('names are random, pmp- prefixed and fit macOS 31-character limits', function () {
    const a = randomOsName();
    const b = randomOsName();
    assert.match(a, /^pmp-[a-z2-7]{20}$/);
    assert.notStrictEqual(a, b);
    assert.ok(a.length + 1 <= 31);
  });

  it('shmOpen creates segments with mode 0600', function () {
    const name = randomOsName();
    const fd = native.shmOpen(name, 'create-exclusive', 4096);
    try {
      assert.strictEqual(fs.statSync(`/dev/shm/${name}`).mode & 0o777, 0o600);
    } finally {
      native.close(fd);
      native.shmUnlink(name);
    }
  });

  it('unlinks every registered segment after the whole tree was SIGKILLed', async function () {
    this.timeout(20000);
    const child = spawn(process.execPath, ['--single-threaded', fixture('tracked_tree.js')], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
    });
    const exited = new Promise((resolve) => child.on('exit', resolve));
    let tree;
    try {
      await pollUntil(() => out.includes('\n'), 10000, `pid ${child.pid} to report its tree`);
      tree = JSON.parse(out.split('\n')[0]);
      assert.strictEqual(tree.names.length, 2);
      for (const name of tree.names) assert.ok(inDevShm(name), `${name} exists while the tree lives`);
    } finally {
      // Kill the child first so it cannot be reaped by its parent, then the parent.
      for (const pid of tree ? tree.pids.slice().reverse() : [child.pid]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      await exited;
    }
    await pollUntil(
      () => tree.names.every((name) => !inDevShm(name)),
      10000,
      `the tracker to unlink ${tree.names.join(', ')} after the tree (pids ${tree.pids.join(', ')}) was killed`,
    );
  });

  it('untrackResource() stops the tracker from unlinking a segment', async function () {
    this.timeout(20000);
    const script = `
      const { native } = require('./dist/internal/native');
      const { trackResource, untrackResource } = require('./dist/resource_tracker');
      const name = process.argv[1];
      native.close(native.shmOpen(name, 'create-exclusive', 4096));
      trackResource('shm', name);
      untrackResource('shm', name);
    `;
    const name = randomOsName();
    const { runNode } = require('./helpers/run_node');
    try {
      const result = await runNode(['-e', script, name]);
      assert.strictEqual(result.code, 0, result.stderr);
      await new Promise((r) => setTimeout(r, 500)); // time for a tracker to (wrongly) act
      assert.ok(inDevShm(name), 'the untracked segment must survive its creator');
    } finally {
      try {
        native.shmUnlink(name);
      } catch {
        /* already gone: the assertion above reports it */
      }
    }
  });

  it('rejects unknown kinds and names that are not plain file names', function () {
    assert.throws(() => trackResource('file', 'pmp-x'), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => trackResource('shm', 'a/b'), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => untrackResource('sem', ''), { code: 'ERR_INVALID_ARG_VALUE' });
  });
});

describe('resource tracker across exec', function () {
  it('a spawned process given the tracker fd (PMP_RESOURCE_TRACKER_FD) registers with the same tracker', async function () {
    this.timeout(20000);
    // The parent starts a tracker, spawns a child with the tracker's fd at 3 and
    // outlives it. The child's segment must survive the child (the parent still
    // holds the pipe: one tracker) and be unlinked once the parent exits too.
    const script = `
      const { spawn } = require('node:child_process');
      const { resourceTrackerFd } = require('./dist/resource_tracker');
      const child = spawn(process.execPath, ['-e', process.argv[2], process.argv[1]], {
        stdio: ['ignore', 'ignore', 'inherit', resourceTrackerFd()],
        env: { ...process.env, PMP_RESOURCE_TRACKER_FD: '3' },
      });
      child.on('exit', (code) => {
        console.log('child exited ' + code);
        setTimeout(() => {
          const exists = require('node:fs').existsSync('/dev/shm/' + process.argv[1]);
          console.log('500 ms after the child: exists=' + exists);
        }, 500);
      });
    `;
    const childScript = `
      const { native } = require('./dist/internal/native');
      const { trackResource } = require('./dist/resource_tracker');
      native.close(native.shmOpen(process.argv[1], 'create-exclusive', 4096));
      trackResource('shm', process.argv[1]);
    `;
    const name = randomOsName();
    const { runNode } = require('./helpers/run_node');
    const parent = runNode(['-e', script, name, childScript]);
    const result = await parent;
    assert.strictEqual(result.code, 0, result.stderr);
    assert.match(result.stdout, /child exited 0/);
    // A tracker of the child's own would have unlinked it when the child exited.
    assert.match(result.stdout, /500 ms after the child: exists=true/);
    await pollUntil(() => !inDevShm(name), 10000, `the tracker to unlink ${name} after both exited`);
  });

  it('adoptResourceTrackerFd() refuses an fd that is not a pipe', function () {
    const { adoptResourceTrackerFd } = require('../dist/resource_tracker');
    assert.throws(() => adoptResourceTrackerFd(0.5), { code: 'ERR_INVALID_ARG_VALUE' });
  });
});
