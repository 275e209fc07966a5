'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { runNode, fixture } = require('./helpers/run_node');

const main = fixture('process_main.js');
const portable = process.env.PMP_BACKEND === 'portable';
// The portable backend has the spawn start method only (docs/api.md, Backends).
const methods = portable ? ['spawn'] : ['fork', 'forkserver', 'spawn'];

async function scenario(method, name, extra = [], opts = {}) {
  const { code, stdout, stderr } = await runNode([main, method, name, ...extra], { timeout: 60000, ...opts });
  assert.equal(code, 0, `${method} ${name} exited ${code}: ${stderr}`);
  return { result: JSON.parse(stdout.trim().split('\n').pop()), stderr };
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntilGone(pid, ms) {
  const deadline = Date.now() + ms;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const gone = !alive(pid);
  if (!gone) process.kill(pid, 'SIGKILL');
  return gone;
}

for (const method of methods) {
  describe(`Process under the ${method} start method`, function () {
    this.timeout(90000);

    it('runs the target with args and kwargs; pid, name, parent and exitcode are as in Python', async () => {
      const { result } = await scenario(method, 'identity');
      assert.deepEqual(result.before, { exitcode: null, alive: false, pid: null });
      assert.deepEqual(result.child.args, [1, 'two', { three: 3 }]);
      assert.equal(result.child.name, 'Process-1');
      assert.equal(result.child.pid, result.pid);
      assert.equal(result.ident, result.pid);
      assert.equal(result.child.parentPid, result.me, 'parentProcess() is the process that called start()');
      assert.equal(result.child.parentName, 'MainProcess');
      assert.equal(result.child.isMain, false);
      assert.equal(result.exitcode, 0);
      assert.equal(result.alive, false);
      assert.equal(result.sentinel, 'number');
    });

    it('exit codes: 0 on return, 1 on an error (stack on stderr), n on process.exit(n), -15 terminate, -9 kill', async () => {
      const { result, stderr } = await scenario(method, 'exitcodes');
      assert.equal(result.return, 0);
      assert.equal(result.throw, 1);
      assert.equal(result.exit, 5);
      assert.deepEqual(result.terminate, { running: { exitcode: null, alive: true }, exitcode: -15, alive: false });
      assert.deepEqual(result.kill, { running: { exitcode: null, alive: true }, exitcode: -9, alive: false });
      assert.match(stderr, /Process Process-2:\nError: raised in the child\n\s+at .*throws/);
    });

    it('awaits an async target', async () => {
      const { result } = await scenario(method, 'asyncTarget');
      assert.deepEqual(result, { exitcode: 0, text: 'async done' });
    });

    it('runs a subclass run() with its own fields and name', async () => {
      const { result } = await scenario(method, 'subclass');
      assert.deepEqual(result, { exitcode: 0, child: { count: 42, name: 'counter' }, parentCount: 41 });
    });

    it('nested processes: a grandchild is named Process-N:M and its parent is the child', async () => {
      const { result } = await scenario(method, 'nested');
      assert.equal(result.exitcode, 0);
      assert.equal(result.grandchild.name, 'Process-1:1');
      assert.equal(result.grandchild.parentPid, result.childPid);
      assert.equal(result.grandchild.parentName, 'Process-1');
    });

    it('a child joins its non-daemon children before it exits, as in Python', async () => {
      const { result } = await scenario(method, 'joinsItsChildrenAtExit');
      assert.deepEqual(result, { exitcode: 0, grandchildDone: 'non-daemon finished' });
    });

    it('a child starts grandchildren under every start method, whatever its own', async function () {
      if (portable) this.skip(); // fork and forkserver are posix start methods
      const { result } = await scenario(method, 'nestedUnderEveryMethod');
      assert.equal(result.exitcode, 0);
      // A spawned child is a plain `node` (not --single-threaded): it may not fork itself.
      // (As in Python, a Process takes its name when made, started or not.)
      const viaFork = method === 'spawn' ? ['fork', 'ERR_FORK_UNSAFE'] : ['fork', 0, 'Process-1:1'];
      assert.deepEqual(result.grandchildren, [viaFork, ['forkserver', 0, 'Process-1:2'], ['spawn', 0, 'Process-1:3']]);
    });

    it('50 processes started and joined, each with its own exit code', async () => {
      const { result } = await scenario(method, 'many');
      assert.deepEqual(
        result.codes,
        Array.from({ length: 50 }, (_, i) => i % 7),
      );
      assert.equal(result.after, 0);
    });

    it('join(timeout) and joinSync(timeout) return after about the timeout while the child runs', async () => {
      const { result } = await scenario(method, 'joinTimeout');
      assert.ok(result.asyncWaited >= 150 && result.asyncWaited < 3000, `join waited ${result.asyncWaited} ms`);
      assert.ok(result.syncWaited >= 150 && result.syncWaited < 3000, `joinSync waited ${result.syncWaited} ms`);
      assert.equal(result.stillRunning, true);
      assert.equal(result.exitcode, -9);
    });

    it('misuse gives errors with stable codes', async () => {
      const { result } = await scenario(method, 'misuse');
      assert.deepEqual(result, {
        joinUnstarted: 'ERR_PROCESS_NOT_STARTED',
        closeUnstarted: 'ERR_PROCESS_NOT_STARTED',
        targetNotFunction: 'ERR_INVALID_ARG_TYPE',
        argsNotArray: 'ERR_INVALID_ARG_TYPE',
        startTwice: 'ERR_PROCESS_ALREADY_STARTED',
        daemonAfterStart: 'ERR_PROCESS_ALREADY_STARTED',
        closeRunning: 'ERR_PROCESS_RUNNING',
        useAfterClose: 'ERR_PROCESS_CLOSED',
      });
    });

    it('a daemon cannot start children', async () => {
      const { result } = await scenario(method, 'daemonNoChildren');
      assert.equal(result.result.code, 'ERR_DAEMON_CHILDREN');
    });

    it('a daemon child ends when its parent exits', async () => {
      const { result } = await scenario(method, 'daemonEndsWithParent');
      assert.ok(await waitUntilGone(result.daemonPid, 5000), `daemon ${result.daemonPid} outlived its parent`);
    });

    it('a daemon child ends when its parent is SIGKILLed', async () => {
      const { spawn } = require('node:child_process');
      const parent = spawn(process.execPath, ['--single-threaded', main, method, 'daemonParentKilled'], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const line = await new Promise((resolve, reject) => {
        parent.stdout.once('data', (d) => resolve(String(d)));
        setTimeout(() => reject(new Error(`parent ${parent.pid} printed nothing in 20 s`)), 20000);
      });
      const { daemonPid } = JSON.parse(line);
      parent.kill('SIGKILL');
      await new Promise((r) => parent.once('exit', r));
      assert.ok(await waitUntilGone(daemonPid, 5000), `daemon ${daemonPid} outlived its SIGKILLed parent`);
    });

    it('the main process waits for non-daemon children before it exits', async () => {
      const marker = `${require('node:os').tmpdir()}/pmp-nondaemon-${process.pid}-${method}`;
      await scenario(method, 'nonDaemonJoinedAtExit', [marker]);
      assert.equal(fs.readFileSync(marker, 'utf8'), 'non-daemon finished');
      fs.unlinkSync(marker);
    });

    it('a shared-memory segment a child creates outlives the child: the tree shares one resource tracker', async function () {
      if (portable) this.skip(); // the resource tracker is posix's; the portable broker's cleanup is tested with SharedMemory
      const { result } = await scenario(method, 'sharedTracker');
      assert.deepEqual(result, { exitcode: 0, text: 'made by the child' });
    });

    it("a child loads its parent's addon without looking it up, and keeps none of the library's variables in its environment", async () => {
      const { result } = await scenario(method, 'startup');
      assert.equal(result.exitcode, 0);
      assert.deepEqual(result.leftovers, [], 'what the parent told the child stays in its environment');
      // A fork child has its parent's modules, node-gyp-build among them.
      if (method !== 'fork') assert.equal(result.lookedUp, false, 'the child loaded node-gyp-build to find the addon');
    });

    it('an ES module main works', async () => {
      const { code, stdout, stderr } = await runNode([fixture('esm_main.mjs'), method], { timeout: 30000 });
      assert.equal(code, 0, stderr);
      assert.match(JSON.parse(stdout).text, /^Process-1 in \d+$/);
    });

    it('a TypeScript main run through tsx works', async () => {
      const { code, stdout, stderr } = await runNode(['--import', 'tsx', fixture('ts_main.ts'), method], {
        timeout: 60000,
      });
      assert.equal(code, 0, stderr);
      assert.match(JSON.parse(stdout).text, /^Process-1 in \d+$/);
    });

    if (method !== 'fork') {
      it('a closure target is refused with ERR_NOT_IMPORTABLE saying to export it or use fork', async () => {
        const { result } = await scenario(method, 'closure');
        assert.equal(result.code, 'ERR_NOT_IMPORTABLE');
        assert.match(result.message, /export/i);
        assert.match(result.message, /'fork'/);
      });

      it('unclonable args are refused with ERR_UNCLONABLE', async () => {
        const { result } = await scenario(method, 'unclonable');
        assert.equal(result.code, 'ERR_UNCLONABLE');
      });

      it('a main module without the guard gets the bootstrapping error in the child, not a fork bomb', async () => {
        const { code, stdout, stderr } = await runNode([fixture('no_guard.js'), method], { timeout: 30000 });
        assert.equal(code, 0, stderr);
        const text = stdout + stderr;
        assert.match(text, /ERR_BOOTSTRAP_NOT_DONE|bootstrapping phase/);
        assert.ok((stdout.match(/exitcode|start failed/g) || []).length <= 2, stdout);
      });
    } else {
      it('a closure target works, with live state', async () => {
        const { result } = await scenario(method, 'closure');
        assert.deepEqual(result, { started: true, exitcode: 0 });
      });
    }
  });
}

describe('forkserver', function () {
  before(function () {
    if (portable) this.skip(); // a posix start method
  });

  it('if the forkserver dies, the next start() starts a new one', async () => {
    const { result } = await scenario('forkserver', 'forkserverRestart');
    assert.deepEqual(result, { first: 0, second: 0, restarted: true });
  });
});

describe('start methods', () => {
  const api = require('..');
  it('getAllStartMethods lists forkserver, fork and spawn with forkserver the default (spawn alone under portable)', () => {
    assert.deepEqual(api.getAllStartMethods(), methods[0] === 'spawn' ? ['spawn'] : ['forkserver', 'fork', 'spawn']);
    assert.equal(api.getContext().startMethod, api.getStartMethod());
  });

  it('getContext of an unknown method throws ERR_UNKNOWN_START_METHOD', () => {
    assert.throws(() => api.getContext('vfork'), { code: 'ERR_UNKNOWN_START_METHOD' });
  });

  it('setStartMethod twice without force throws ERR_CONTEXT_ALREADY_SET', () => {
    const defaultMethod = api.getAllStartMethods()[0];
    api.setStartMethod('spawn', { force: true });
    assert.throws(() => api.setStartMethod(defaultMethod), { code: 'ERR_CONTEXT_ALREADY_SET' });
    api.setStartMethod(defaultMethod, { force: true });
    assert.equal(api.getStartMethod(), defaultMethod);
  });

  it('under portable, fork and forkserver are unknown start methods', function () {
    if (!portable) this.skip(); // posix has them
    assert.throws(() => api.getContext('fork'), { code: 'ERR_UNKNOWN_START_METHOD' });
    assert.throws(() => api.getContext('forkserver'), { code: 'ERR_UNKNOWN_START_METHOD' });
  });

  it('currentProcess() in the main process is MainProcess and parentProcess() is null', () => {
    assert.equal(api.currentProcess().name, 'MainProcess');
    assert.equal(api.parentProcess(), null);
    assert.equal(api.isMainProcess(), true);
    assert.ok(api.cpuCount() >= 1);
  });
});
