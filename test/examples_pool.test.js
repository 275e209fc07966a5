'use strict';
// Runs each Pool example (default start method, plain node) and checks what it printed.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runNode } = require('./helpers/run_node');

const run = async (name, args = []) => {
  const result = await runNode([path.join(__dirname, '..', 'examples', name), ...args], {
    singleThreaded: false,
    timeout: 60000,
  });
  assert.equal(result.code, 0, result.stderr);
  return result.stdout;
};

describe('pool examples (default start method, plain node)', function () {
  this.timeout(90000);

  it('pool_apply_vs_apply_async: apply runs one at a time, applyAsync in parallel; join waits for every callback', async () => {
    const out = await run('pool_apply_vs_apply_async.js');
    assert.equal((out.match(/^apply: task \d done/gm) ?? []).length, 4);
    assert.equal((out.match(/^applyAsync: task \d done/gm) ?? []).length, 4);
    const [, applyMs, asyncMs] = /apply took (\d+) ms, applyAsync took (\d+) ms/.exec(out).map(Number);
    assert.ok(applyMs >= 400, `4 sequential 100 ms tasks took ${applyMs} ms`);
    assert.ok(asyncMs < applyMs, `applyAsync (${asyncMs} ms) was not faster than apply (${applyMs} ms)`);
  });

  it('pool_get_results: get() gathers results in submission order', async () => {
    const out = await run('pool_get_results.js');
    assert.match(out, /^squares: 1 4 9 16 25 36 49 64 81 100$/m);
    assert.match(out, /^ready at once\? false$/m);
    assert.match(out, /^mapAsync: 121 144 169 successful: true$/m);
  });

  it('pool_callback_to_file: the callback writes all 1,000 results to one file', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pool-example-'));
    try {
      const file = path.join(dir, 'results.txt');
      await run('pool_callback_to_file.js', [file]);
      const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
      assert.equal(lines.length, 1000);
      const numbers = lines.map((l) => Number(/^(\d+) squared is (\d+)/.exec(l)[1])).sort((a, b) => a - b);
      assert.deepEqual(
        numbers,
        Array.from({ length: 1000 }, (_, i) => i),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('pool_copy_folder: every file arrives with the same contents', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pool-example-'));
    try {
      const source = path.join(dir, 'src');
      const destination = path.join(dir, 'dst');
      fs.mkdirSync(source);
      for (let i = 0; i < 30; i++) fs.writeFileSync(path.join(source, `f${i}`), `contents ${i}`.repeat(i + 1));
      const out = await run('pool_copy_folder.js', [source, destination]);
      assert.match(out, /copied 30 files/);
      for (let i = 0; i < 30; i++)
        assert.equal(fs.readFileSync(path.join(destination, `f${i}`), 'utf8'), `contents ${i}`.repeat(i + 1));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('pool_echo_server: a pool of 4 serves 6 clients handed over as sockets', async function () {
    // Sockets cannot be handed to pool workers under portable (README, "What differs under portable").
    if (process.env.PMP_BACKEND === 'portable') this.skip();
    const out = await run('pool_echo_server.js');
    const replies = out.match(/^echo from \d+: hello \d$/gm) ?? [];
    assert.equal(replies.length, 6);
    assert.deepEqual(replies.map((r) => Number(r.slice(-1))).sort(), [1, 2, 3, 4, 5, 6]);
    assert.ok(new Set(replies.map((r) => /from (\d+)/.exec(r)[1])).size > 1, 'all clients were served by one worker');
    assert.match(out, /6 clients served/);
  });

  it('pool_crawler: the callback-driven crawl reaches all 31 pages of the local site', async () => {
    assert.match(await run('pool_crawler.js'), /^crawled 31 pages$/m);
  });

  it('pool_shared_queue: workers given a Queue by the initializer report on it', async () => {
    const out = await run('pool_shared_queue.js');
    assert.equal((out.match(/^worker \d+ finished item \d$/gm) ?? []).length, 8);
    assert.match(out, /^results: 10 20 30 40 50 60 70 80$/m);
  });

  it('pool_progress_bar: a cli-progress bar follows a lazy imapUnordered to 100%, and every item is counted', async () => {
    const out = await run('pool_progress_bar.js', ['600']);
    // The example's checksum(), computed here (requiring the example would run its main()).
    const checksum = (n) => {
      let hash = n;
      for (let i = 0; i < 20000; i++) hash = (hash * 31 + i) % 1000003;
      return hash;
    };
    const expected = Array.from({ length: 600 }, (_, n) => checksum(n)).reduce((a, b) => a + b, 0);
    assert.match(out, /^checksums \[\S+\] 0% \| 0\/600$/m);
    assert.match(out, /^checksums \[\S+\] 100% \| 600\/600$/m);
    assert.match(out, new RegExp(`^done: 600 items, checksum sum ${expected}$`, 'm'));
  });

  it('pool_cancel_job: an abort and a timeout each stop a running CPU loop; the pool carries on whole', async () => {
    const out = await run('pool_cancel_job.js');
    const [, ms] = /^cancelled: AbortError after (\d+) ms \(reason: stopped by the user\)$/m.exec(out) ?? [];
    assert.ok(ms !== undefined, out);
    assert.ok(Number(ms) < 5000, `the abort took ${ms} ms to stop a running task`);
    assert.match(out, /^timed out: TimeoutError ERR_TASK_TIMEOUT$/m);
    assert.match(out, /^beside it: spun 50 ms in \d+$/m);
    assert.match(out, /^afterwards: 4 tasks done; workers 2$/m);
  });
});
