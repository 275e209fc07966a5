// Manager dict calls per second from one client: our Sync calls, sequential
// async calls and pipelined async calls (many in flight), against Python's
// Manager().dict() (bench/manager_python.py) when python3 is present.
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');
const { Manager, isMainProcess } = require('..');
const { median, table } = require('./stats');
const { saveResults } = require('./results');

const ROUNDS = 5;
const N = Number(process.env.N) || 5000;

async function rate(fn) {
  const rates = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = process.hrtime.bigint();
    await fn();
    rates.push(N / (Number(process.hrtime.bigint() - start) / 1e9));
  }
  return median(rates);
}

function python() {
  try {
    return JSON.parse(
      execFileSync('python3', [path.join(__dirname, 'manager_python.py'), String(N)], { encoding: 'utf8' }),
    );
  } catch (err) {
    console.log(`(python3 not measured: ${err.message.split('\n')[0]})`);
    return null;
  }
}

async function main() {
  const manager = await Manager();
  const d = await manager.dict();
  const ours = {
    'set, Sync': await rate(() => {
      for (let i = 0; i < N; i++) d.setSync(i % 100, i);
    }),
    'get, Sync': await rate(() => {
      for (let i = 0; i < N; i++) d.getSync(i % 100);
    }),
    'set, async one at a time': await rate(async () => {
      for (let i = 0; i < N; i++) await d.set(i % 100, i);
    }),
    'set, async pipelined': await rate(() => Promise.all(Array.from({ length: N }, (_, i) => d.set(i % 100, i)))),
  };
  await manager.shutdown();
  const py = python();
  const pyFor = (name) => (py ? (name.startsWith('get') ? py.get : py.set) : null);
  const fmt = (x) => (x >= 1000 ? `${(x / 1000).toFixed(1)}K/s` : `${x.toFixed(0)}/s`);
  console.log(
    table(
      ['call', 'ours', 'Python Manager dict', 'ours / Python'],
      Object.entries(ours).map(([name, value]) => {
        const p = pyFor(name);
        return [name, fmt(value), p ? fmt(p) : 'n/a', p ? `${(value / p).toFixed(2)}x` : 'n/a'];
      }),
    ),
  );
  saveResults(
    'manager',
    Object.entries(ours).flatMap(([name, value]) => [
      { metric: `dict ${name}`, system: 'posix-multiprocessing Manager', value, unit: 'calls/s', better: 'higher' },
      { metric: `dict ${name}`, system: 'Python Manager', value: pyFor(name), unit: 'calls/s', better: 'higher' },
    ]),
  );
}

if (isMainProcess()) main();
