// Smoke program for posix-multiprocessing, public API only, CommonJS.
// Run from a directory whose node_modules holds posix-multiprocessing:
//   node smoke.js          (Linux: forces the spawn start method)
//   wine64 node.exe smoke.js   (Windows under wine: the portable backend)
// Prints one line per check and a last line "N passed, N failed"; exits non-zero on any failure.
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const {
  Process,
  Queue,
  Lock,
  Pipe,
  Pool,
  isMainProcess,
  backend,
  setStartMethod,
  getStartMethod,
} = require('posix-multiprocessing');

// ---- targets: exported, so spawned children import them by name ----
async function counter(id, lock, q, file, n) {
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) {
      lock.acquireSync();
      try {
        const v = Number(fs.readFileSync(file, 'utf8'));
        fs.writeFileSync(file, String(v + 1));
      } finally {
        lock.release();
      }
    } else {
      await lock.withLock(async () => {
        const v = Number(fs.readFileSync(file, 'utf8'));
        await new Promise((r) => setImmediate(r));
        fs.writeFileSync(file, String(v + 1));
      });
    }
    if (i % 2 === 0) q.putSync({ id, i });
    else await q.put({ id, i });
  }
}

async function echoUpper(conn) {
  const m = await conn.recv();
  await conn.send({ upper: String(m.text).toUpperCase(), pid: process.pid });
  const m2 = conn.recvSync();
  conn.sendSync({ doubled: m2 * 2 });
  conn.close();
}

function exitWith(code) {
  process.exit(code);
}

function square(x) {
  return x * x;
}

module.exports = { counter, echoUpper, exitWith, square };

// ---- main ----
const STEP_TIMEOUT = Number(process.env.SMOKE_STEP_TIMEOUT_MS || 60000);
let passed = 0;
let failed = 0;

function withTimeout(promise, ms, what) {
  let t;
  return Promise.race([
    promise,
    new Promise((_, rej) => {
      t = setTimeout(() => rej(new Error(`${what}: timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(t));
}

async function step(name, fn) {
  const t0 = Date.now();
  try {
    const info = await withTimeout(Promise.resolve().then(fn), STEP_TIMEOUT, name);
    passed++;
    console.log(`ok   ${name} (${Date.now() - t0} ms)${info ? ': ' + info : ''}`);
  } catch (err) {
    failed++;
    console.log(`FAIL ${name} (${Date.now() - t0} ms): ${(err && err.stack) || err}`);
    if (err && err.code) console.log(`     code: ${err.code}`);
  }
}

function check(cond, msg) {
  if (!cond) throw new Error('check failed: ' + msg);
}

async function main() {
  const t0 = Date.now();
  console.log(`node ${process.version} ${process.platform}-${process.arch}; tmpdir ${os.tmpdir()}`);

  await step('backend()', () => {
    const b = backend();
    if (process.platform === 'win32') check(b === 'portable', `expected portable on win32, got ${b}`);
    return b;
  });

  await step("setStartMethod('spawn')", () => {
    setStartMethod('spawn', { force: true });
    check(getStartMethod() === 'spawn', `getStartMethod() is ${getStartMethod()}`);
    return getStartMethod();
  });

  await step('Process exit codes (0 and process.exit(3))', async () => {
    const a = new Process({ target: square, args: [2] });
    const b = new Process({ target: exitWith, args: [3] });
    a.start();
    b.start();
    await a.join();
    await b.join();
    check(a.exitcode === 0, `exitcode ${a.exitcode}`);
    check(b.exitcode === 3, `exitcode ${b.exitcode}`);
    return `pids ${a.pid}, ${b.pid}; exitcodes ${a.exitcode}, ${b.exitcode}`;
  });

  await step('Lock + Queue shared by two children', async () => {
    const N = 20;
    const file = path.join(os.tmpdir(), `pmp-smoke-counter-${process.pid}-${Date.now()}`);
    fs.writeFileSync(file, '0');
    const lock = new Lock();
    const q = new Queue();
    const ps = [1, 2].map((id) => new Process({ target: counter, args: [id, lock, q, file, N] }));
    ps.forEach((p) => p.start());
    const got = [];
    for (let k = 0; k < 2 * N; k++) got.push(await q.get({ timeout: 30000 }));
    for (const p of ps) await p.join();
    const total = Number(fs.readFileSync(file, 'utf8'));
    fs.unlinkSync(file);
    check(
      ps.every((p) => p.exitcode === 0),
      `exitcodes ${ps.map((p) => p.exitcode)}`,
    );
    check(got.filter((m) => m.id === 1).length === N && got.filter((m) => m.id === 2).length === N, 'queue messages');
    check(total === 2 * N, `counter ${total}, want ${2 * N} (lock did not exclude)`);
    return `${got.length} queue messages, counter ${total}`;
  });

  await step('blocking calls reach the broker on a direct channel (portable)', async () => {
    if (backend() !== 'portable') return `not used by the ${backend()} backend`;
    // Internal, for this check only: the same module instance the package itself loaded.
    const root = path.dirname(require.resolve('posix-multiprocessing/package.json'));
    const runtime = require(path.join(root, 'dist', 'kernels', 'portable', 'runtime.js'));
    const lock = new Lock();
    const deadline = Date.now() + 10000;
    while (runtime.directChannel() === null) {
      check(Date.now() < deadline, 'no direct channel within 10 s');
      lock.acquireSync();
      lock.release();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const kind = runtime.directChannel();
    check(kind === (process.platform === 'win32' ? 'pipe' : 'fifos'), `direct channel ${kind}`);
    const n = 500;
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      lock.acquireSync();
      lock.release();
    }
    const us = Number(process.hrtime.bigint() - start) / n / 1000;
    check(runtime.directChannel() === kind, 'the direct channel closed while in use');
    return `${kind}; Lock acquireSync() + release() ${us.toFixed(1)} us`;
  });

  await step('Pipe() to a child (async and sync send/recv)', async () => {
    const [a, b] = Pipe();
    const p = new Process({ target: echoUpper, args: [b] });
    p.start();
    b.close();
    await a.send({ text: 'hello' });
    const r = await a.recv();
    check(r.upper === 'HELLO', JSON.stringify(r));
    a.sendSync(21);
    const r2 = a.recvSync();
    check(r2.doubled === 42, JSON.stringify(r2));
    await p.join();
    a.close();
    check(p.exitcode === 0, `exitcode ${p.exitcode}`);
    return `child ${r.pid} answered`;
  });

  await step('Pool(2).map(square, 1..10)', async () => {
    const pool = new Pool(2);
    try {
      const ys = await pool.map(square, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      check(JSON.stringify(ys) === JSON.stringify([1, 4, 9, 16, 25, 36, 49, 64, 81, 100]), JSON.stringify(ys));
      pool.close();
      await pool.join();
      return JSON.stringify(ys);
    } catch (e) {
      pool.terminate();
      throw e;
    }
  });

  console.log(`total ${Date.now() - t0} ms`);
  console.log(`smoke: ${passed} passed, ${failed} failed`);
  process.exitCode = failed === 0 ? 0 : 1;
}

if (isMainProcess()) {
  main().catch((err) => {
    console.log('FAIL main:', (err && err.stack) || err);
    console.log(`smoke: ${passed} passed, ${failed + 1} failed`);
    process.exit(1);
  });
}
