// Where a portable Listener listens, per platform (the platform is a parameter,
// so the Windows rules are checked here too), and the authkey handshake over
// a Listener and Client in one process: behaviour the same under both backends.
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Listener, Client, AuthenticationError } = require('..');
const {
  freshListenerAddress,
  checkedListenerAddress,
  isWindowsPipeName,
} = require('../dist/kernels/portable/listener_address');

describe('portable Listener addresses', () => {
  it('on Windows a fresh address is a named pipe, with no directory made', () => {
    const { address, directory } = freshListenerAddress('win32', 'abc123');
    assert.equal(address, '\\\\.\\pipe\\pmp-listener-abc123');
    assert.equal(directory, null);
    assert.ok(isWindowsPipeName(address));
  });

  it('on Linux and macOS a fresh address is a socket in a new 0700 directory', () => {
    for (const platform of ['linux', 'darwin']) {
      const { address, directory } = freshListenerAddress(platform, 'unused', os.tmpdir());
      try {
        assert.equal(path.dirname(address), directory);
        assert.equal(fs.statSync(directory).mode & 0o777, 0o700);
      } finally {
        fs.rmSync(directory, { recursive: true, force: true });
      }
    }
  });

  it('on Windows an address must name a pipe (\\\\.\\pipe\\ or \\\\?\\pipe\\, any case)', () => {
    assert.equal(checkedListenerAddress('\\\\.\\pipe\\app', 'win32'), '\\\\.\\pipe\\app');
    assert.equal(checkedListenerAddress('\\\\?\\PIPE\\app', 'win32'), '\\\\?\\PIPE\\app');
    assert.throws(() => checkedListenerAddress('C:\\temp\\app.sock', 'win32'), {
      code: 'ERR_INVALID_ARG_VALUE',
      message: /named pipe/,
    });
  });

  it('a unix socket path longer than sun_path allows throws ENAMETOOLONG (104 bytes on macOS, 108 on Linux)', () => {
    const at = (n) => `/${'x'.repeat(n - 1)}`;
    assert.equal(checkedListenerAddress(at(107), 'linux'), at(107));
    assert.throws(() => checkedListenerAddress(at(108), 'linux'), { code: 'ENAMETOOLONG', syscall: 'bind' });
    assert.equal(checkedListenerAddress(at(103), 'darwin'), at(103));
    assert.throws(() => checkedListenerAddress(at(104), 'darwin'), { code: 'ENAMETOOLONG' });
  });
});

describe('Listener and Client in one process', () => {
  it('with the same authkey both sides authenticate and exchange messages', async () => {
    const authkey = Buffer.from('shared secret');
    const listener = new Listener(null, { authkey });
    try {
      const [server, client] = await Promise.all([listener.accept(), Client(listener.address, { authkey })]);
      await client.send({ n: 21 });
      const got = await server.recv();
      await server.send(got.n * 2);
      assert.equal(await client.recv(), 42);
      client.close();
      server.close();
    } finally {
      listener.close();
    }
  });

  it('with different authkeys both sides throw AuthenticationError', async () => {
    const listener = new Listener(null, { authkey: Buffer.from('one') });
    try {
      const [accepted, connected] = await Promise.allSettled([
        listener.accept(),
        Client(listener.address, { authkey: Buffer.from('two') }),
      ]);
      assert.ok(accepted.reason instanceof AuthenticationError, String(accepted.reason));
      assert.ok(connected.reason instanceof AuthenticationError, String(connected.reason));
    } finally {
      listener.close();
    }
  });
});
