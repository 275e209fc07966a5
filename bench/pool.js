// Pool: map of 100,000 trivial tasks at the default chunksize and at chunksize
// 1, and apply round trips (one task at a time), against Python's
// multiprocessing.Pool (bench/pool_python.py, when python3 is present) and
// piscina (worker threads), in the same run, 2 workers each; the portable
// backend (spawn, broker-held queues) runs in a child with PMP_BACKEND=portable.
// Goals, printed beside the ratios: the default-chunksize map at least 1.5x
// Python's under every start method; chunksize 1 at least 20x Python's and
// piscina's; sequential apply at least 3x piscina's. Under portable, the
// chunked map at least half of Python's. Not a test: nothing is asserted.
// Run: node --single-threaded bench/pool.js   (QUICK=1 for fewer rounds)
'use strict';
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const { Pool, getContext, isMainProcess } = require('..');
const { median, table } = require('./stats');
const { saveResults } = require('./results');

const QUICK = process.env.QUICK === '1';
const N = 100000;
const ROUNDS = QUICK ? 3 : 5;
const APPLIES = QUICK ? 500 : 2000;
const WORKERS = 2;

function double(x) {
  return x * 2;
}
module.exports = { double };

async function timeRounds(fn) {
  const times = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return median(times);
}

/**
 * Median seconds per workload. `share` < 1 times chunksize 1 and apply on that
 * share of the tasks and scales the time up (the portable backend's round trips
 * through its broker would otherwise take minutes).
 */
async function ours(method, share = 1) {
  const pool = new Pool({ processes: WORKERS, context: getContext(method) });
  const items = Array.from({ length: N }, (_, i) => i);
  const few = items.slice(0, Math.round(N * share));
  const applies = Math.round(APPLIES * share);
  // Warm up (and start the workers), as piscina's run below is warmed up.
  await pool.map(double, items.slice(0, 1000));
  await pool.map(double, items.slice(0, Math.round(1000 * share)), 1);
  for (let i = 0; i < Math.round(200 * share); i++) await pool.apply(double, [i]);
  const out = {
    map_default: await timeRounds(() => pool.map(double, items)),
    map_chunk1: (await timeRounds(() => pool.map(double, few, 1))) / share,
    apply:
      (await timeRounds(async () => {
        for (let i = 0; i < applies; i++) await pool.apply(double, [i]);
      })) / share,
  };
  pool.close();
  await pool.join();
  return out;
}

// The portable backend is chosen per process: a child with PMP_BACKEND=portable measures it.
const PORTABLE_CHILD = 'PMP_BENCH_PORTABLE_CHILD';
const PORTABLE_SHARE = 0.05;

function portable() {
  try {
    return JSON.parse(
      execFileSync(process.execPath, ['--single-threaded', __filename], {
        encoding: 'utf8',
        env: { ...process.env, PMP_BACKEND: 'portable', [PORTABLE_CHILD]: '1' },
      }),
    );
  } catch (err) {
    console.error(`the portable backend's run failed: ${err.message}`);
    return null;
  }
}

async function piscina() {
  let Piscina;
  try {
    Piscina = require('piscina');
  } catch {
    return null;
  }
  const pool = new Piscina({
    filename: path.join(__dirname, 'pool_piscina_child.js'),
    minThreads: WORKERS,
    maxThreads: WORKERS,
  });
  const items = Array.from({ length: N }, (_, i) => i);
  await Promise.all(items.slice(0, 1000).map((x) => pool.run(x)));
  const out = {
    map_default: null, // piscina has no chunking
    map_chunk1: await timeRounds(() => Promise.all(items.map((x) => pool.run(x)))),
    apply: await timeRounds(async () => {
      for (let i = 0; i < APPLIES; i++) await pool.run(i);
    }),
  };
  await pool.destroy();
  return out;
}

function python() {
  try {
    return JSON.parse(
      execFileSync('python3', [path.join(__dirname, 'pool_python.py'), String(N), String(ROUNDS), String(APPLIES)], {
        encoding: 'utf8',
      }),
    );
  } catch {
    return null;
  }
}

async function main() {
  const results = {
    'posix-multiprocessing (forkserver)': await ours('forkserver'),
    'posix-multiprocessing (fork)': await ours('fork'),
    'posix-multiprocessing (spawn)': await ours('spawn'),
    'posix-multiprocessing (portable, spawn)': portable(),
    'Python mp.Pool (fork)': python(),
    piscina: await piscina(),
  };
  const rate = (seconds, count) => (seconds == null ? null : count / seconds);
  const fmt = (r) => (r == null ? 'n/a' : r >= 1e6 ? `${(r / 1e6).toFixed(2)}M/s` : `${(r / 1e3).toFixed(1)}K/s`);
  const workloads = [
    ['map_default', N, 'map 100K, default chunksize'],
    ['map_chunk1', N, 'map 100K, chunksize 1'],
    ['apply', APPLIES, 'apply round trips (sequential)'],
  ];
  const names = Object.keys(results);
  const rows = workloads.map(([key, count, label]) => [
    label,
    ...names.map((name) => fmt(rate(results[name]?.[key], count))),
  ]);
  console.log(`${WORKERS} workers; tasks per second (medians of ${ROUNDS} rounds)`);
  console.log(
    `(portable: chunksize 1 and apply timed on ${PORTABLE_SHARE * 100}% of the tasks, scaled; the map at full size)\n`,
  );
  console.log(table(['workload', ...names], rows));
  const ratio = (a, b) => (a == null || b == null ? 'n/a' : `${(a / b).toFixed(2)}x`);
  const ourRate = (key, count) => rate(results[names[0]][key], count);
  const portableRate = (key, count) => rate(results['posix-multiprocessing (portable, spawn)']?.[key], count);
  saveResults(
    'pool',
    workloads.flatMap(([key, count, label]) =>
      names.map((name) => ({
        metric: label,
        system: name,
        value: rate(results[name]?.[key], count),
        unit: 'tasks/s',
        better: 'higher',
      })),
    ),
  );
  const methodRate = (method, key, count) => rate(results[`posix-multiprocessing (${method})`]?.[key], count);
  const pythonRate = (key, count) => rate(results['Python mp.Pool (fork)']?.[key], count);
  const goals = {
    map_default: '>= 1.5x Python, every start method',
    map_chunk1: '>= 20x Python and piscina',
    apply: '>= 3x piscina',
  };
  console.log('\nratios (rate / rate; forkserver is the default start method):\n');
  console.log(
    table(
      [
        'workload',
        'forkserver vs Python',
        'fork vs Python',
        'spawn vs Python',
        'forkserver vs piscina',
        'portable vs Python',
        'goal',
      ],
      workloads.map(([key, count, label]) => [
        label,
        ...['forkserver', 'fork', 'spawn'].map((method) =>
          ratio(methodRate(method, key, count), pythonRate(key, count)),
        ),
        ratio(ourRate(key, count), rate(results.piscina?.[key], count)),
        ratio(portableRate(key, count), pythonRate(key, count)),
        goals[key],
      ]),
    ),
  );
}

async function portableChild() {
  console.log(JSON.stringify(await ours('spawn', PORTABLE_SHARE)));
}

if (isMainProcess())
  (process.env[PORTABLE_CHILD] === '1' ? portableChild() : main()).catch((err) => {
    console.error(err);
    process.exit(1);
  });
