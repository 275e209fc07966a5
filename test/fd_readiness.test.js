'use strict';
// Waiting on the event loop for an fd (lib/wait/fd_readiness.ts, native FdWatch).
const assert = require('node:assert/strict');
const { native } = require('../dist/internal/native');
const { whenReady, forgetFd, keptWatchFds, READABLE } = require('../dist/wait/fd_readiness');
const { runNode } = require('./helpers/run_node');

function socketPair() {
  const [a, b] = native.socketpair();
  native.setNonBlocking(a, true);
  return [a, b];
}

describe('fd readiness', () => {
  it('whenReady() resolves once the fd is readable, with and without a kept watch', async () => {
    const [a, b] = socketPair();
    try {
      for (const keep of [false, true, true]) {
        const ready = whenReady(a, READABLE, { keep });
        setImmediate(() => native.write(b, Buffer.from('x'), 0, 1));
        assert.equal(await ready, true);
        native.read(a, Buffer.alloc(8), 0, 8);
      }
      assert.ok(keptWatchFds().includes(a));
    } finally {
      forgetFd(a);
      native.close(a);
      native.close(b);
    }
    assert.ok(!keptWatchFds().includes(a));
  });

  it('whenReady() with a timeout resolves false when nothing arrives, and the kept watch is paused', async () => {
    const [a, b] = socketPair();
    try {
      assert.equal(await whenReady(a, READABLE, { keep: true, timeout: 20 }), false);
    } finally {
      forgetFd(a);
      native.close(a);
      native.close(b);
    }
  });

  it('a kept watch paused between waits does not keep the process alive', async () => {
    const script = [
      "const { native } = require('./dist/internal/native');",
      "const { whenReady, READABLE } = require('./dist/wait/fd_readiness');",
      'const [a, b] = native.socketpair(); native.setNonBlocking(a, true);',
      "setImmediate(() => native.write(b, Buffer.from('x'), 0, 1));",
      "whenReady(a, READABLE, { keep: true }).then((ok) => console.log('ready', ok));",
    ].join('\n');
    const { code, stdout, stderr } = await runNode(['-e', script], { timeout: 10000 });
    assert.equal(code, 0, stderr);
    assert.equal(stdout.trim(), 'ready true');
  });

  it('FdWatch.resume() after stop() throws a clear error', () => {
    const [a, b] = socketPair();
    try {
      const watch = new native.FdWatch(a, () => {});
      watch.stop();
      assert.throws(() => watch.resume(), /the watch was stopped/);
    } finally {
      native.close(a);
      native.close(b);
    }
  });
});
