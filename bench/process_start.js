// Process start-up: time from start() to the child's first line, start+join of
// 100 children, for forkserver, fork and spawn, against child_process.fork and
// Python's multiprocessing (fork, forkserver, spawn) when python3 is present;
// and the memory (PSS) of 10 idle children. Run: node --single-threaded bench/process_start.js
'use strict';
const { execFileSync, fork: cpFork } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { getContext, isMainProcess } = require('..');
const { median, table } = require('./stats');
const { saveResults } = require('./results');

const ROUNDS = 15;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function stampFirstLine(file) {
  fs.writeFileSync(file, String(process.hrtime.bigint()));
}

function idle(ms) {
  return sleep(ms);
}

function nothing() {}

module.exports = { stampFirstLine, idle, nothing };

async function firstLineMs(method) {
  const ctx = getContext(method);
  const file = path.join(os.tmpdir(), `pmp-bench-${process.pid}`);
  const samples = [];
  for (let i = 0; i < ROUNDS; i++) {
    const p = new ctx.Process({ target: stampFirstLine, args: [file] });
    const t0 = process.hrtime.bigint();
    p.start();
    await p.join();
    samples.push(Number(BigInt(fs.readFileSync(file, 'utf8')) - t0) / 1e6);
  }
  fs.unlinkSync(file);
  return median(samples);
}

async function hundredMs(method) {
  const ctx = getContext(method);
  const t0 = process.hrtime.bigint();
  const procs = Array.from({ length: 100 }, () => new ctx.Process({ target: nothing }));
  for (const p of procs) p.start();
  await Promise.all(procs.map((p) => p.join()));
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function cpForkFirstLine() {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = cpFork(path.join(__dirname, 'tiny_child.js'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    child.once('message', (line) => {
      resolve(Number(BigInt(line) - t0) / 1e6);
      child.disconnect();
    });
    child.once('error', reject);
  });
}

async function cpForkHundred() {
  const t0 = process.hrtime.bigint();
  await Promise.all(
    Array.from(
      { length: 100 },
      () =>
        new Promise((resolve) => {
          cpFork(path.join(__dirname, 'tiny_child.js'), [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
            .once('message', function onMessage() {
              this.disconnect();
            })
            .once('exit', resolve);
        }),
    ),
  );
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function pssKb(pid) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    return Number(/^Pss:\s+(\d+) kB/m.exec(text)[1]);
  } catch {
    return NaN;
  }
}

async function memoryOfTen(method) {
  const ctx = getContext(method);
  const procs = Array.from({ length: 10 }, () => new ctx.Process({ target: idle, args: [3000] }));
  for (const p of procs) p.start();
  await sleep(1500);
  const total = procs.reduce((sum, p) => sum + pssKb(p.pid), 0);
  for (const p of procs) p.kill();
  await Promise.all(procs.map((p) => p.join()));
  return total / 1024;
}

async function cpForkMemoryOfTen() {
  const children = Array.from({ length: 10 }, () =>
    cpFork('-e', ['setTimeout(() => {}, 3000)'], { stdio: 'ignore', execArgv: [] }),
  );
  await sleep(1500);
  const total = children.reduce((sum, c) => sum + pssKb(c.pid), 0);
  await Promise.all(
    children.map(
      (c) =>
        new Promise((r) => {
          c.once('exit', r);
          c.kill('SIGKILL');
        }),
    ),
  );
  return total / 1024;
}

function python() {
  try {
    const out = execFileSync('python3', [path.join(__dirname, 'process_start_python.py')], {
      encoding: 'utf8',
      timeout: 300000,
    });
    return JSON.parse(out.trim().split('\n').pop());
  } catch (err) {
    return null;
  }
}

async function main() {
  const cp = [];
  for (let i = 0; i < ROUNDS; i++) cp.push(await cpForkFirstLine());
  const cpFirst = median(cp);
  const cpHundred = await cpForkHundred();
  const rows = [];
  const ours = {};
  for (const method of ['forkserver', 'fork', 'spawn']) {
    await firstLineMs(method); // warm-up (starts the forkserver)
    ours[method] = {
      first: await firstLineMs(method),
      hundred: await hundredMs(method),
      pss: await memoryOfTen(method),
    };
  }
  const py = python();
  for (const method of ['forkserver', 'fork', 'spawn']) {
    const o = ours[method];
    const p = py?.[method];
    rows.push([
      `posix-multiprocessing ${method}`,
      o.first.toFixed(2),
      `${(cpFirst / o.first).toFixed(1)}x`,
      p ? `${(p.first / o.first).toFixed(2)}x` : '-',
      o.hundred.toFixed(0),
      o.pss.toFixed(1),
    ]);
  }
  rows.push([
    'child_process.fork',
    cpFirst.toFixed(2),
    '1.0x',
    '-',
    cpHundred.toFixed(0),
    (await cpForkMemoryOfTen()).toFixed(1),
  ]);
  if (py) {
    for (const method of ['fork', 'forkserver', 'spawn']) {
      rows.push([
        `python multiprocessing ${method}`,
        py[method].first.toFixed(2),
        `${(cpFirst / py[method].first).toFixed(1)}x`,
        '1.00x',
        py[method].hundred.toFixed(0),
        '-',
      ]);
    }
  }
  const started = (metric, key, cpValue) => [
    ...['forkserver', 'fork', 'spawn'].map((method) => ({
      metric,
      system: `posix-multiprocessing ${method}`,
      value: ours[method][key],
      unit: 'ms',
      better: 'lower',
    })),
    ...['fork', 'forkserver', 'spawn'].map((method) => ({
      metric,
      system: `Python ${method}`,
      value: py?.[method]?.[key],
      unit: 'ms',
      better: 'lower',
    })),
    { metric, system: 'child_process.fork', value: cpValue, unit: 'ms', better: 'lower' },
  ];
  saveResults('process_start', [
    ...started('start() to first line', 'first', cpFirst),
    ...started('100 children started and joined', 'hundred', cpHundred),
  ]);
  console.log(
    "Process start: ms from start() to the child's first line (median of 15); start+join of 100 children; PSS of 10 idle children",
  );
  console.log(
    table(
      [
        'method',
        'first line ms',
        'vs child_process.fork',
        'vs python same method',
        '100 start+join ms',
        'PSS of 10 MB',
      ],
      rows,
    ),
  );
}

if (isMainProcess()) main().then(() => process.exit(0));
