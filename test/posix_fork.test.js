'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const crypto = require('node:crypto');
const { posix } = require('..');
const { forkChild, waitExit } = require('./helpers/fork_child');
const { runNode, fixture } = require('./helpers/run_node');

// Reads everything from `fd` until EOF (the writer closed its end).
function readAll(fd) {
  const chunks = [];
  const buf = Buffer.alloc(65536);
  for (;;) {
    const n = fs.readSync(fd, buf);
    if (n === 0) break;
    chunks.push(Buffer.from(buf.subarray(0, n)));
  }
  fs.closeSync(fd);
  return Buffer.concat(chunks).toString();
}

function childReport(body) {
  const [readFd, writeFd] = posix.pipe();
  const pid = forkChild(() => {
    fs.closeSync(readFd);
    fs.writeSync(writeFd, JSON.stringify(body()));
    fs.closeSync(writeFd);
  });
  fs.closeSync(writeFd);
  const report = JSON.parse(readAll(readFd));
  return { pid, report };
}

describe('posix.fork', () => {
  it('returns 0 in the child and the child pid in the parent', async () => {
    const { pid, report } = childReport(() => ({ getpid: posix.getpid() }));
    assert.ok(pid > 0);
    assert.equal(report.getpid, pid);
    assert.equal((await waitExit(pid)).exitCode, 0);
  });

  it("getppid() in the child is the parent's pid", async () => {
    const { pid, report } = childReport(() => ({ ppid: posix.getppid() }));
    assert.equal(report.ppid, process.pid);
    await waitExit(pid);
  });

  it("process.pid in the child is the child's own pid", async () => {
    const { pid, report } = childReport(() => ({ pid: process.pid }));
    assert.equal(report.pid, pid);
    await waitExit(pid);
  });

  it('a global changed in the child is unchanged in the parent', async () => {
    globalThis.sharedCounter = 1;
    const { pid, report } = childReport(() => {
      globalThis.sharedCounter += 41;
      return { seen: globalThis.sharedCounter };
    });
    assert.equal(report.seen, 42);
    assert.equal(globalThis.sharedCounter, 1);
    await waitExit(pid);
  });

  it('the child draws fresh Math.random and randomUUID values, also through an ES module import and Web Crypto', async () => {
    const esmCrypto = await import('node:crypto');
    crypto.randomUUID(); // the parent's batch of UUIDs exists before the forks
    const draw = () => ({
      random: Math.random(),
      uuid: crypto.randomUUID(),
      esmUuid: esmCrypto.randomUUID(),
      webUuid: globalThis.crypto.randomUUID(),
      bytes: crypto.randomBytes(8).toString('hex'),
    });
    const first = childReport(draw);
    const second = childReport(draw);
    await waitExit(first.pid);
    await waitExit(second.pid);
    const mine = draw();
    for (const key of ['random', 'uuid', 'esmUuid', 'webUuid', 'bytes']) {
      const values = new Set([first.report[key], second.report[key], mine[key]]);
      assert.equal(values.size, 3, `${key}: the two children and the parent drew ${[...values]}`);
    }
    assert.ok(first.report.random >= 0 && first.report.random < 1);
  });

  it('importing the package leaves node:crypto unloaded; a child forked before anything read the authkey shares it and draws its own values', async () => {
    const { code, stdout, stderr, pid } = await runNode([fixture('import_then_fork.js')], { timeout: 30000 });
    assert.equal(code, 0, `pid ${pid}: ${stderr}`);
    const { loadedByImport, first, second, authkey } = JSON.parse(stdout);
    assert.equal(loadedByImport, false, 'importing the package loaded node:crypto (5-9 ms of start-up)');
    assert.equal(first.authkey, authkey, 'the first child has the parent authkey');
    assert.equal(second.authkey, authkey, 'the second child has the parent authkey');
    assert.notEqual(first.uuid, second.uuid);
    assert.notEqual(first.random, second.random);
  });

  it('restores MADV_DONTFORK on the heap in the parent after fork', async () => {
    const dontForkMappings = () => (fs.readFileSync('/proc/self/smaps', 'utf8').match(/^VmFlags:.* dc/gm) || []).length;
    const before = dontForkMappings();
    assert.ok(before > 0, 'node marks its heap MADV_DONTFORK');
    const pid = forkChild(() => 0);
    const after = dontForkMappings();
    await waitExit(pid);
    assert.ok(after >= before - 2, `dc mappings before ${before}, after ${after}`);
  });

  it('the child runs many young-generation GCs (V8 14 posts a worker task for each)', async () => {
    // The child has no V8 worker threads; its platform must say so, or the
    // first few scavenges wait forever on the parent's idle workers.
    if (process.platform === 'linux')
      assert.equal(require('../dist/internal/native').native.childPlatformPatchable(), true);
    // The exit code carries the answer, so a hung child fails the test (waitExit's deadline).
    const pid = forkChild(() => {
      let kept = [];
      let made = 0;
      for (let i = 0; i < 2e6; i++, made++) {
        kept.push({ i, s: `item ${i}` });
        if (kept.length > 5e4) kept = [];
      }
      return made === 2e6 ? 0 : 1;
    });
    assert.equal((await waitExit(pid)).exitCode, 0);
  });

  it('two successive forks make four processes', async () => {
    const { code, stdout } = await runNode([fixture('two_forks.js')]);
    assert.equal(code, 0);
    const lines = stdout.trim().split('\n');
    assert.equal(lines.length, 4, stdout);
    assert.equal(new Set(lines.map((l) => l.split(' ')[1])).size, 4);
  });
});

describe('forked child exit paths', () => {
  const cases = [
    [
      'return',
      0,
      (out) =>
        assert.match(out, /timer ran\npromise ran|promise ran[\s\S]*timer ran/) &&
        assert.match(out, /fs read \d+ bytes/),
    ],
    ['exitCode', 4],
    ['process.exit', 7],
    ['throw', 1, (out, err) => assert.match(err, /Error: thrown in the child\n\s+at /)],
    ['reject', 1, (out, err) => assert.match(err, /Error: rejected in the child/)],
    ['posix.exit', 3],
    ['beforeExit-work', 0, (out) => assert.match(out, /late work ran/)],
    ['after-gc', 0, (out) => assert.match(out, /allocated \d+/)],
  ];
  for (const [path, expected, check] of cases) {
    it(`a child that ends by ${path} exits with status ${expected}, never a signal`, async () => {
      const { code, stdout, stderr } = await runNode([fixture('exit_paths.js'), path]);
      assert.equal(code, 0, stderr);
      const status = JSON.parse(stdout.trim().split('\n').pop());
      assert.equal(status.signal, null, `child died by signal ${status.signal}: ${stderr}`);
      assert.equal(status.exitCode, expected, stderr);
      if (path !== 'posix.exit') assert.match(stdout, new RegExp(`exit-event ${expected}`));
      if (check) check(stdout, stderr);
    });
  }
});

describe('forked child output', () => {
  it('appears exactly once when stdout is a pipe', async () => {
    const { code, stdout } = await runNode([fixture('output_once.js')]);
    assert.equal(code, 0);
    for (const line of ['before fork', 'in child', 'in parent', 'child status 0']) {
      assert.equal(stdout.split('\n').filter((l) => l === line).length, 1, `${line} in ${stdout}`);
    }
  });

  it('4 MiB written just before the child exits all arrive', async () => {
    const size = 4 * 1024 * 1024;
    const { code, stdout } = await runNode([fixture('output_once.js'), String(size)]);
    assert.equal(code, 0);
    const tail = stdout.split('\n').find((l) => l.startsWith('xxx'));
    assert.equal(tail && tail.length, size);
  });
});

describe('fork safety', () => {
  it('fork() without --single-threaded throws ERR_FORK_UNSAFE saying what to do', async () => {
    const { stdout } = await runNode([fixture('fork_unsafe.js')], { singleThreaded: false });
    const err = JSON.parse(stdout);
    assert.equal(err.code, 'ERR_FORK_UNSAFE');
    assert.match(err.message, /--single-threaded/);
    assert.match(err.message, /forkserver/);
  });

  it('fork() with a thread-pool request in flight throws ERR_FORK_UNSAFE', async () => {
    const { stdout } = await runNode([fixture('fork_unsafe.js'), 'fs-in-flight']);
    const err = JSON.parse(stdout);
    assert.equal(err.code, 'ERR_FORK_UNSAFE');
    assert.match(err.message, /thread-pool request\(s\) are in flight \(FSReqCallback\)/);
  });

  it('a fork Pool made without --single-threaded throws ERR_FORK_UNSAFE where it is made', async () => {
    const { code, stdout, stderr } = await runNode([fixture('fork_unsafe.js'), 'pool'], { singleThreaded: false });
    assert.equal(code, 0, stderr);
    const { made } = JSON.parse(stdout);
    assert.equal(made.code, 'ERR_FORK_UNSAFE');
    assert.match(made.message, /--single-threaded/);
  });

  it('a fork Pool whose worker cannot be forked yet fails the queued tasks, then runs the next ones', async () => {
    const { code, stdout, stderr } = await runNode([fixture('fork_unsafe.js'), 'pool-busy']);
    assert.equal(code, 0, stderr);
    const { first, second } = JSON.parse(stdout);
    assert.equal(first.code, 'ERR_FORK_UNSAFE', JSON.stringify(first));
    assert.match(first.message, /thread-pool request/);
    assert.deepEqual(second, [2, 3]);
  });

  it('forkWhenIdle() waits for the thread pool to go idle, then forks', async () => {
    const { code, stdout, stderr } = await runNode([fixture('fork_unsafe.js'), 'when-idle']);
    assert.equal(code, 0, stderr);
    assert.equal(stdout.trim(), 'forked when idle');
  });
});
