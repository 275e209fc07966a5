'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { spawn } = require('node:child_process');
const { runNode, fixture } = require('./helpers/run_node');

const portable = process.env.PMP_BACKEND === 'portable';
// The start methods this backend has (spawn alone under portable); the default one is forkserver under posix.
const METHODS = portable ? ['spawn'] : ['fork', 'forkserver', 'spawn'];
const DEFAULT_METHOD = portable ? 'spawn' : 'forkserver';

function isGone(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z'); // a zombie waiting for init
  } catch {
    return true;
  }
}

async function waitUntil(check, timeout, what) {
  const deadline = Date.now() + timeout;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeout} ms waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Runs the orphan fixture until it prints the manager's pid and address; returns them and the child. */
function startOrphanFixture(method, mode) {
  const child = spawn(process.execPath, ['--single-threaded', fixture('manager_orphan.js'), method, mode], {
    cwd: path.join(__dirname, '..'),
    env: { ...process.env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  const started = new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pid ${child.pid} printed no manager address within 20 s; stderr: ${stderr}`));
    }, 20000);
    child.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d;
      if (stdout.includes('\n')) {
        clearTimeout(timer);
        resolve(JSON.parse(stdout.split('\n')[0]));
      }
    });
  });
  return { child, exited, started, stderr: () => stderr };
}

describe('Manager under every start method', function () {
  this.timeout(60000);

  for (const method of METHODS) {
    it(`${method}: 4 children share a dict, a list and a Namespace with the parent; Pool tasks get proxies in their arguments`, async () => {
      const { code, stdout, stderr } = await runNode([fixture('manager_main.js'), method], { timeout: 50000 });
      assert.equal(code, 0, stderr);
      assert.match(stdout, /exit codes 0 0 0 0/);
      assert.match(stdout, /counts k0=20 k1=20 k2=20 k3=20/);
      assert.match(stdout, /seen k0 k1 k2 k3/);
      assert.match(stdout, /namespace pids true/);
      assert.match(stdout, /pool squares 1:1 2:4 3:9/);
      assert.match(stdout, /socket directory removed true/);
    });
  }

  for (const method of METHODS) {
    it(`${method}: an ES module main with top-level await shares a dict with its child`, async () => {
      const { code, stdout, stderr } = await runNode([fixture('manager_esm_main.mjs'), method], { timeout: 50000 });
      assert.equal(code, 0, stderr);
      assert.equal(stdout, 'exit code 0, child key true\n');
    });
  }

  for (const method of METHODS.filter((m) => m !== 'fork')) {
    it(`${method}: ManagerSync() starts a server and Sync calls reach it`, async () => {
      const { code, stdout, stderr } = await runNode([fixture('manager_sync.js'), method], { timeout: 30000 });
      assert.equal(code, 0, stderr);
      assert.equal(stdout, 'value 1\nshut down\n');
    });
  }

  for (const method of portable ? ['spawn'] : ['fork', 'forkserver']) {
    it(`${method}: the server ends and removes its socket when the process that started it is SIGKILLed`, async () => {
      const run = startOrphanFixture(method, 'wait');
      const { pid, address } = await run.started;
      assert.equal(fs.statSync(address).isSocket(), true);
      run.child.kill('SIGKILL');
      await run.exited;
      await waitUntil(() => isGone(pid), 10000, `manager server ${pid} ends`);
      await waitUntil(() => !fs.existsSync(path.dirname(address)), 5000, `${path.dirname(address)} is removed`);
    });
  }

  it('the server ends and its socket is removed when the main process returns without shutdown()', async () => {
    const run = startOrphanFixture(DEFAULT_METHOD, 'exit');
    const { pid, address } = await run.started;
    const { code } = await run.exited;
    assert.equal(code, 0, run.stderr());
    await waitUntil(() => isGone(pid), 10000, `manager server ${pid} ends`);
    assert.equal(fs.existsSync(path.dirname(address)), false);
  });
});
