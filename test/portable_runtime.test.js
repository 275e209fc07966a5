// The portable backend's runtime (lib/kernels/portable/runtime.ts): calls to the
// tree's broker and to the process's own I/O thread, the broker's door, and its end.
'use strict';
const assert = require('node:assert');
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { runNode, fixture } = require('./helpers/run_node');
const { running } = require('./helpers/processes');

const user = fixture('portable_runtime_user.js');
const lines = (stdout) =>
  stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));

async function gone(pid, ms, what) {
  const deadline = Date.now() + ms;
  while (running(pid)) {
    if (Date.now() > deadline) throw new Error(`${what} (pid ${pid}) still runs after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('portable runtime', function () {
  this.timeout(30000);

  it('values and errors cross to the broker and back, sync and async', async () => {
    const { code, stdout, stderr } = await runNode([user, 'round-trip']);
    assert.strictEqual(code, 0, stderr);
    const [values, syncError, asyncError, where] = lines(stdout);
    assert.deepStrictEqual(values, { same: true });
    assert.strictEqual(syncError.error, 'ERR_UNKNOWN_METHOD');
    assert.match(syncError.message, /no operation 'nope\.x'/);
    assert.strictEqual(asyncError.error, 'ERR_UNKNOWN_METHOD');
    assert.strictEqual(where.local, true, 'io.* is served in the calling process');
    assert.notStrictEqual(where.broker, null);
  });

  it('a child given brokerEnv() joins the same broker', async () => {
    const { code, stdout, stderr } = await runNode([user, 'child-joins']);
    assert.strictEqual(code, 0, stderr);
    assert.deepStrictEqual(lines(stdout)[0], { sameBroker: true, childCounted: true });
  });

  it('a process without the key is refused with ERR_BROKER_GONE', async () => {
    const { code, stdout, stderr } = await runNode([user, 'wrong-key']);
    assert.strictEqual(code, 0, stderr);
    assert.deepStrictEqual(lines(stdout)[0], { child: 'ERR_BROKER_GONE' });
  });

  describe('the direct channel of blocking calls', () => {
    it('is two FIFOs the process holds open, unlinked from the broker directory', async function () {
      if (process.platform !== 'linux') this.skip(); // reads /proc/self/fd
      const { code, stdout, stderr } = await runNode([user, 'direct']);
      assert.strictEqual(code, 0, stderr);
      const seen = lines(stdout)[0];
      assert.strictEqual(seen.direct, true, `no direct channel: ${JSON.stringify(seen)}`);
      assert.deepStrictEqual(seen.left, ['broker.sock'], 'only the socket stays in the directory');
    });

    it('runs a blocking call after every call and send the thread made before it', async function () {
      if (process.platform !== 'linux') this.skip();
      const { code, stdout, stderr } = await runNode([user, 'ordered']);
      assert.strictEqual(code, 0, stderr);
      assert.deepStrictEqual(lines(stdout)[0], { direct: true, wrong: 0 });
    });

    it('a blocking call whose broker was SIGKILLed throws ERR_BROKER_GONE, and so does the next', async function () {
      if (process.platform !== 'linux') this.skip();
      const { code, stdout, stderr } = await runNode([user, 'broker-dies']);
      assert.strictEqual(code, 0, stderr);
      assert.deepStrictEqual(lines(stdout)[0], { direct: true, seen: ['ERR_BROKER_GONE', 'ERR_BROKER_GONE'] });
    });

    it('without mkfifo the calls go through the I/O thread and still answer', async function () {
      if (process.platform !== 'linux') this.skip();
      const { code, stdout, stderr } = await runNode([user, 'ordered', '300'], {
        env: { ...process.env, PATH: '/nonexistent' },
      });
      assert.strictEqual(code, 0, stderr);
      assert.deepStrictEqual(lines(stdout)[0], { direct: false, wrong: 0 });
    });
  });

  it("a job's calls cross together: every answer whole and its own, small ones not holding large ones, and ordered before a later send", async () => {
    const { code, stdout, stderr } = await runNode([user, 'one-job']);
    assert.strictEqual(code, 0, stderr);
    const [seen] = lines(stdout);
    assert.strictEqual(seen.whole, true);
    assert.ok(seen.smallHolds < 1 << 20, `a small answer holds ${seen.smallHolds} bytes`);
    assert.deepStrictEqual([seen.early, seen.late], ['Empty', 'got x']);
  });

  it("a job's first call acts at once, while the job goes on computing", async () => {
    const { code, stdout, stderr } = await runNode([user, 'first-call-at-once']);
    assert.strictEqual(code, 0, stderr);
    const [seen] = lines(stdout);
    assert.strictEqual(seen.gotBeforeLoopEnded, true, `the child said: ${seen.said}`);
  });

  it('a message past the 1 GiB limit throws ERR_MESSAGE_TOO_LONG, direct and through the I/O thread, and the next call is answered', async function () {
    this.timeout(90000); // encoding 1 GiB twice touches about 4 GiB of fresh pages: 15 s on a small VM
    const { code, stdout, stderr } = await runNode([user, 'too-long'], { timeout: 80000 });
    assert.strictEqual(code, 0, stderr);
    const [{ direct, sync, async, after }] = lines(stdout);
    assert.strictEqual(direct, true);
    for (const [how, outcome] of Object.entries({ sync, async })) {
      assert.strictEqual(outcome.code, 'ERR_MESSAGE_TOO_LONG', `${how}: ${JSON.stringify(outcome)}`);
      assert.match(outcome.message, /1073741[0-9]{3} bytes .*limit.*nothing was sent/, how);
    }
    assert.deepStrictEqual(after, { sync: 'after', async: 'after' });
  });

  it('a 64 MiB message crosses whole each way, direct and through the I/O thread, in bounded time', async () => {
    const { code, stdout, stderr } = await runNode([user, 'large']);
    assert.strictEqual(code, 0, stderr);
    const [report] = lines(stdout);
    assert.deepStrictEqual({ ...report, ms: undefined }, { direct: true, sync: true, async: true, ms: undefined });
    // Joining a frame's chunks once per chunk took 75 s here; once per frame, about 4 s.
    assert.ok(report.ms < 20000, `took ${report.ms} ms`);
  });

  it('the broker ends, and removes its socket directory, once its tree is SIGKILLed', async () => {
    const root = spawn(process.execPath, [user, 'broker-then-wait'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const first = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`pid ${root.pid} printed no broker within 10 s`)), 10000);
        root.stdout.once('data', (d) => {
          clearTimeout(timer);
          resolve(JSON.parse(String(d).split('\n')[0]));
        });
      });
      assert.ok(running(first.broker));
      assert.ok(fs.existsSync(first.address));
      const mode = fs.statSync(path.dirname(first.address)).mode & 0o777;
      assert.strictEqual(mode, 0o700, 'the socket directory is private to the user');
      root.kill('SIGKILL');
      await gone(first.broker, 5000, 'the broker of a SIGKILLed tree');
      assert.strictEqual(fs.existsSync(path.dirname(first.address)), false);
    } finally {
      root.kill('SIGKILL');
    }
  });
});
