'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { spawn } = require('node:child_process');
const { posix } = require('..');
const { forkChild, waitExit } = require('./helpers/fork_child');
const { waitForExit } = require('../dist/wait/child_watch');

describe('posix calls', () => {
  it('pipe() returns connected close-on-exec fds', () => {
    const [readFd, writeFd] = posix.pipe();
    fs.writeSync(writeFd, 'hello');
    fs.closeSync(writeFd);
    const buf = Buffer.alloc(16);
    assert.equal(buf.toString('utf8', 0, fs.readSync(readFd, buf)), 'hello');
    fs.closeSync(readFd);
  });

  it('waitpid() with WNOHANG returns pid 0 while the child runs', async () => {
    const [readFd, writeFd] = posix.pipe();
    const pid = forkChild(() => {
      fs.closeSync(writeFd);
      fs.readSync(readFd, Buffer.alloc(1)); // until the parent closes its end
    });
    fs.closeSync(readFd);
    assert.deepEqual(posix.waitpid(pid, posix.WNOHANG), { pid: 0, status: 0, exitCode: null, signal: null });
    fs.closeSync(writeFd);
    assert.equal((await waitExit(pid)).exitCode, 0);
  });

  it('kill() by signal name ends the child and waitpid reports the signal', async () => {
    const pid = forkChild(() => {
      for (;;) fs.readSync(0, Buffer.alloc(1));
    });
    posix.kill(pid, 'SIGTERM');
    const status = posix.waitpid(pid);
    assert.equal(status.signal, 15);
    assert.equal(status.exitCode, null);
  });

  it('kill() with an unknown signal name throws ERR_UNKNOWN_SIGNAL', () => {
    assert.throws(() => posix.kill(process.pid, 'SIGNOPE'), {
      code: 'ERR_UNKNOWN_SIGNAL',
      message: /Unknown signal: SIGNOPE/,
    });
    assert.throws(() => posix.kill(process.pid, 999), { code: 'ERR_UNKNOWN_SIGNAL' });
  });

  it('kill() of a process that does not exist throws ESRCH with errno and syscall', () => {
    assert.throws(() => posix.kill(2 ** 22 + 12345, 0), { code: 'ESRCH', errno: -3, syscall: 'kill' });
  });

  it('waitpid() of a process that is not our child throws ECHILD', () => {
    assert.throws(() => posix.waitpid(1), {
      code: 'ECHILD',
      syscall: 'waitpid',
      message: /^ECHILD: No child processes, waitpid$/,
    });
  });

  it('waitpid() refuses pid <= 0, which would reap child_process children', () => {
    assert.throws(() => posix.waitpid(-1), { code: 'ERR_INVALID_ARG_VALUE', message: /child_process/ });
    assert.throws(() => posix.waitpid(0), { code: 'ERR_INVALID_ARG_VALUE' });
  });

  it('waitpid() and kill() reject a pid that is not an integer', () => {
    assert.throws(() => posix.waitpid('12'), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => posix.kill(1.5), { code: 'ERR_INVALID_ARG_TYPE' });
  });

  it('exit() rejects a code that is not an integer', () => {
    assert.throws(() => posix.exit('0'), { code: 'ERR_INVALID_ARG_TYPE' });
  });
});

describe('watching child exits', () => {
  it('resolves when the child ends while timers keep running', async () => {
    const pid = forkChild(() => {
      const until = Date.now() + 150;
      while (Date.now() < until) {
        /* busy child */
      }
      return 5;
    });
    let ticks = 0;
    const ticker = setInterval(() => {
      ticks++;
    }, 10);
    const status = await waitForExit(pid);
    clearInterval(ticker);
    assert.equal(status.exitCode, 5);
    assert.ok(ticks >= 3, `event loop ran ${ticks} ticks while waiting`);
  });

  it("does not reap child_process's children", async () => {
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => process.exit(9), 200)']);
    const otherExit = new Promise((resolve) => other.on('exit', (code) => resolve(code)));
    const pid = forkChild(() => 0);
    assert.equal((await waitForExit(pid)).exitCode, 0);
    assert.equal(await otherExit, 9);
  });

  it('reports a child killed by a signal', async () => {
    const pid = forkChild(() => {
      for (;;) fs.readSync(0, Buffer.alloc(1));
    });
    const exited = waitForExit(pid);
    posix.kill(pid, 'SIGKILL');
    const status = await exited;
    assert.equal(status.signal, 9);
  });
});
