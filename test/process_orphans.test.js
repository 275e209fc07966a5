'use strict';
// No orphans: when the process that owns children or a pool dies (SIGKILL,
// SIGTERM, SIGINT), every child and worker ends within about a second, even one
// busy in a CPU loop, under every start method.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { spawn } = require('node:child_process');
const { fixture } = require('./helpers/run_node');
const { descendantsOf, running } = require('./helpers/processes');

const owner = fixture('orphan_owner.js');
const GONE_WITHIN_MS = 1500;
const portable = process.env.PMP_BACKEND === 'portable';

/** The portable backend's broker outlives its tree by design (about two seconds); it is no child of ours to end. */
function isBroker(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('broker_main.js');
  } catch {
    return false;
  }
}

/** Starts the owner in its own process group; resolves once its children run their loops. */
function startOwner(method, kind) {
  const child = spawn(process.execPath, ['--single-threaded', owner, method, kind], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += d;
  });
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`owner ${child.pid} (${method}, ${kind}) did not print READY within 30 s: ${stderr}`)),
      30000,
    );
    child.stdout.on('data', () => {
      if (stdout.includes('READY')) {
        clearTimeout(timer);
        resolve();
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`owner exited (${code ?? signal}) before READY: ${stderr}`));
    });
  });
  return { child, ready, exited, output: () => ({ stdout, stderr }) };
}

async function assertAllGone(pids, what) {
  const deadline = Date.now() + GONE_WITHIN_MS;
  let left = pids.filter(running);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    left = left.filter(running);
  }
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone now */
    }
  }
  assert.deepEqual(left, [], `${what}: still running ${GONE_WITHIN_MS} ms later (killed now): ${left.join(', ')}`);
}

const cases = [];
for (const method of portable ? ['spawn'] : ['fork', 'forkserver', 'spawn']) {
  for (const kind of ['pool', 'process']) cases.push({ method, kind, signal: 'SIGKILL' });
  cases.push({ method, kind: 'pool', signal: 'SIGTERM' });
  cases.push({ method, kind: 'process', signal: 'SIGINT' });
}

describe('no orphans: children end with the process that owns them', function () {
  this.timeout(60000);

  for (const { method, kind, signal } of cases) {
    const what = kind === 'pool' ? 'Pool(3) workers' : 'two Process children';
    it(`under ${method}, ${what} in CPU loops end within ${GONE_WITHIN_MS} ms of a ${signal} to their owner`, async function () {
      const run = startOwner(method, kind);
      await run.ready;
      const pids = descendantsOf(run.child.pid).filter((pid) => !isBroker(pid));
      assert.ok(pids.length >= (kind === 'pool' ? 3 : 2), `expected the owner's children, found ${pids.join(', ')}`);
      process.kill(run.child.pid, signal);
      await run.exited;
      await assertAllGone(pids, `after ${signal} to owner ${run.child.pid}`);
    });
  }

  it('Ctrl-C (SIGINT to the whole process group) ends a pool quietly, with exit status 130 in a shell', async function () {
    const run = startOwner(portable ? 'spawn' : 'forkserver', 'pool');
    await run.ready;
    const pids = descendantsOf(run.child.pid).filter((pid) => !isBroker(pid));
    process.kill(-run.child.pid, 'SIGINT');
    const { signal } = await run.exited;
    assert.equal(signal, 'SIGINT', 'the owner ends by SIGINT, which a shell reports as 130');
    await assertAllGone(pids, 'after Ctrl-C');
    assert.equal(run.output().stderr, '', 'nothing is printed: no stack per worker');
  });
});
