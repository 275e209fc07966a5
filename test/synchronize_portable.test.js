// What only the portable backend does: primitives in the broker, shared by id
// with processes of the tree; shared memory as private files the broker cleans up.
// The scenarios run in processes forced to PMP_BACKEND=portable, under either test run.
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { runNode, fixture } = require('./helpers/run_node');
const { running } = require('./helpers/processes');

const user = fixture('portable_sync_user.js');
const portable = { PMP_BACKEND: 'portable' };
const lines = (stdout) =>
  stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));

describe('portable backend: primitives and shared memory through the broker', function () {
  this.timeout(30000);

  it('a holder killed with SIGKILL releases its Lock; the next acquire reports ownerDied', async () => {
    const { code, stdout, stderr } = await runNode([user, 'owner-died'], { env: portable });
    assert.strictEqual(code, 0, stderr);
    const [first, second] = lines(stdout);
    assert.deepStrictEqual(first, { before: false, acquired: true, ownerDied: true, killed: 'SIGKILL' });
    assert.deepStrictEqual(second, { again: true, ownerDied: false });
  });

  it('Event.set() in one process wakes a waitSync() in another', async () => {
    const { code, stdout, stderr } = await runNode([user, 'event-wake'], { env: portable });
    assert.strictEqual(code, 0, stderr);
    assert.deepStrictEqual(lines(stdout)[0], { exit: 0 });
  });

  it('shared-memory files are private and are unlinked once the tree ends, even after SIGKILL', async () => {
    const owner = spawn(process.execPath, [user, 'leftovers'], {
      env: { ...process.env, ...portable },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const { dir, name, value } = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`pid ${owner.pid} printed nothing within 10 s`)), 10000);
        owner.stdout.once('data', (d) => {
          clearTimeout(timer);
          resolve(JSON.parse(String(d).split('\n')[0]));
        });
      });
      assert.strictEqual(value, 5);
      const file = path.join(dir, name);
      assert.strictEqual(fs.statSync(dir).mode & 0o777, 0o700);
      assert.strictEqual(fs.statSync(file).mode & 0o777, 0o600);
      owner.kill('SIGKILL');
      const deadline = Date.now() + 10000;
      while (fs.existsSync(file)) {
        if (Date.now() > deadline) throw new Error(`${file} of the killed pid ${owner.pid} still exists after 10 s`);
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      if (running(owner.pid)) owner.kill('SIGKILL');
    }
  });
});
