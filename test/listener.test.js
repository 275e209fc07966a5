'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Listener, Client, clientSync, AuthenticationError } = require('..');
const { forkChild, waitExit } = require('./helpers/fork_child');
const { runNode } = require('./helpers/run_node');

async function exitsCleanly(pid) {
  const status = await waitExit(pid);
  assert.equal(status.exitCode, 0, `child ${pid} exited with ${status.exitCode} (signal ${status.signal})`);
}

function privateDir() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'pmp-listener-test-'));
}

const portable = process.env.PMP_BACKEND === 'portable';

describe('Listener and Client', () => {
  it('a listener left open in a child is closed when the child ends, under every start method', async function () {
    if (portable) this.skip(); // starts fork and forkserver children: posix only
    const fixture = path.join(__dirname, 'fixtures', 'listener_in_child.js');
    const { code, stdout, stderr } = await runNode([fixture], { timeout: 60000 });
    assert.equal(code, 0, stderr);
    const gone = { exitcode: 0, leftBehind: false };
    assert.deepEqual(JSON.parse(stdout.trim().split('\n').pop()), { fork: gone, forkserver: gone, spawn: gone });
  });

  it('a Client in a child and the accepted Connection exchange messages both ways', async function () {
    if (portable) this.skip(); // forks a child: posix only (the spawn-based twins are in queues_pipes_processes.test.js)
    const listener = new Listener();
    const pid = forkChild(() => {
      const conn = clientSync(listener.address);
      conn.sendSync({ hello: 'from child', map: new Map([[1, 2]]) });
      conn.sendSync(conn.recvSync() * 2);
    });
    const conn = await listener.accept();
    const first = await conn.recv();
    assert.equal(first.hello, 'from child');
    assert.deepEqual(first.map, new Map([[1, 2]]));
    await conn.send(21);
    assert.equal(await conn.recv(), 42);
    await exitsCleanly(pid);
    conn.close();
    listener.close();
  });

  it('the async Client connects to a listener accepting in a child process', async function () {
    if (portable) this.skip(); // forks a child: posix only (the spawn-based twins are in queues_pipes_processes.test.js)
    const listener = new Listener();
    const pid = forkChild(() => {
      listener.acceptSync().sendSync('accepted');
    });
    const conn = await Client(listener.address);
    assert.equal(await conn.recv(), 'accepted');
    await exitsCleanly(pid);
    conn.close();
    listener.close();
  });

  it('the default address is a socket file in a fresh private directory', () => {
    const listener = new Listener();
    assert.match(path.basename(path.dirname(listener.address)), /^pmp-listener-/);
    assert.equal(fs.statSync(listener.address).isSocket(), true);
    assert.equal(fs.statSync(path.dirname(listener.address)).mode & 0o777, 0o700);
    listener.close();
  });

  it('close() removes the socket file and its private directory', () => {
    const listener = new Listener();
    const { address } = listener;
    listener.close();
    assert.equal(fs.existsSync(address), false);
    assert.equal(fs.existsSync(path.dirname(address)), false);
  });

  it('close() removes the socket file at an address given by the caller, not its directory', () => {
    const dir = privateDir();
    const address = path.join(dir, 'given.sock');
    const listener = new Listener(address);
    assert.equal(listener.address, address);
    listener.close();
    assert.equal(fs.existsSync(address), false);
    assert.equal(fs.existsSync(dir), true);
    fs.rmdirSync(dir);
  });

  it('a listener left open removes its socket file when the process exits', async () => {
    const script = "const { Listener } = require('.'); const l = new Listener(); console.log(l.address);";
    const { code, stdout, stderr } = await runNode(['-e', script]);
    assert.equal(code, 0, stderr);
    const address = stdout.trim();
    assert.match(address, /socket$/);
    assert.equal(fs.existsSync(address), false);
    assert.equal(fs.existsSync(path.dirname(address)), false);
  });

  it('acceptSync() and clientSync() connect within one process', () => {
    const listener = new Listener();
    const client = clientSync(listener.address);
    const server = listener.acceptSync();
    client.sendSync('ping');
    assert.equal(server.recvSync(), 'ping');
    client.close();
    server.close();
    listener.close();
  });

  it('accept() waits on the event loop: timers run while it waits', async () => {
    const listener = new Listener();
    let ticks = 0;
    const timer = setInterval(() => {
      ticks++;
    }, 5);
    const accepted = listener.accept();
    await new Promise((r) => setTimeout(r, 60));
    const client = await Client(listener.address);
    const server = await accepted;
    clearInterval(timer);
    assert.ok(ticks >= 3, `only ${ticks} timer ticks while accept() waited`);
    client.close();
    server.close();
    listener.close();
  });

  it('with the same authkey both sides authenticate and exchange messages', async function () {
    if (portable) this.skip(); // forks a child: posix only (the spawn-based twins are in queues_pipes_processes.test.js)
    const authkey = Buffer.from('secret key');
    const listener = new Listener(null, { authkey });
    const pid = forkChild(() => {
      const conn = clientSync(listener.address, { authkey });
      conn.sendSync('authenticated');
    });
    const conn = await listener.accept();
    assert.equal(await conn.recv(), 'authenticated');
    await exitsCleanly(pid);
    conn.close();
    listener.close();
  });

  it('with a wrong authkey the Client throws AuthenticationError', async function () {
    if (portable) this.skip(); // forks a child: posix only (the spawn-based twins are in queues_pipes_processes.test.js)
    const listener = new Listener(null, { authkey: Buffer.from('right') });
    const pid = forkChild(() => {
      try {
        listener.acceptSync();
      } catch (err) {
        return err instanceof AuthenticationError ? 0 : 3;
      }
      return 2;
    });
    await assert.rejects(Client(listener.address, { authkey: Buffer.from('wrong') }), (err) => {
      assert.ok(err instanceof AuthenticationError);
      assert.match(err.message, /different authkeys/);
      return true;
    });
    await exitsCleanly(pid);
    listener.close();
  });

  it('with a wrong authkey accept() throws AuthenticationError and the listener accepts the next client', async function () {
    if (portable) this.skip(); // forks a child: posix only (the spawn-based twins are in queues_pipes_processes.test.js)
    const authkey = Buffer.from('right');
    const listener = new Listener(null, { authkey });
    const pid = forkChild(() => {
      try {
        clientSync(listener.address, { authkey: Buffer.from('wrong') });
        return 2;
      } catch (err) {
        if (!(err instanceof AuthenticationError)) return 3;
      }
      clientSync(listener.address, { authkey }).sendSync('second try');
      return 0;
    });
    await assert.rejects(listener.accept(), AuthenticationError);
    const conn = await listener.accept();
    assert.equal(await conn.recv(), 'second try');
    await exitsCleanly(pid);
    conn.close();
    listener.close();
  });

  it('a Client without the authkey cannot talk to a listener that has one', async function () {
    if (portable) this.skip(); // forks a child: posix only (the spawn-based twins are in queues_pipes_processes.test.js)
    const listener = new Listener(null, { authkey: Buffer.from('key') });
    const pid = forkChild(() => {
      const conn = clientSync(listener.address);
      const challenge = conn.recvBytesSync();
      conn.sendBytesSync(Buffer.from('not a digest'));
      return challenge.toString('latin1').startsWith('#CHALLENGE#') ? 0 : 2;
    });
    await assert.rejects(listener.accept(), AuthenticationError);
    await exitsCleanly(pid);
    listener.close();
  });

  it('a client that connects and says nothing is dropped after handshakeTimeout: accept() throws AuthenticationError, then accepts the next client', async () => {
    const authkey = Buffer.from('key');
    const listener = new Listener(null, { authkey, handshakeTimeout: 200 });
    const silent = await Client(listener.address); // no authkey: it never answers the challenge
    const started = performance.now();
    await assert.rejects(listener.accept(), (err) => {
      assert.ok(err instanceof AuthenticationError, String(err));
      assert.match(err.message, /within 200 ms/);
      return true;
    });
    assert.ok(performance.now() - started < 5000, 'accept() gave up within the limit');
    const [server, client] = await Promise.all([listener.accept(), Client(listener.address, { authkey })]);
    client.sendSync('after the silent one');
    assert.equal(await server.recv(), 'after the silent one');
    for (const conn of [silent, server, client]) conn.close();
    listener.close();
  });

  it('acceptSync() drops a silent client after handshakeTimeout with AuthenticationError', () => {
    const listener = new Listener(null, { authkey: Buffer.from('key'), handshakeTimeout: 100 });
    const silent = clientSync(listener.address);
    assert.throws(
      () => listener.acceptSync(),
      (err) => err instanceof AuthenticationError && /within 100 ms/.test(err.message),
    );
    silent.close();
    listener.close();
  });

  it('a Client whose listener never starts the handshake gives up after handshakeTimeout with AuthenticationError', async () => {
    const listener = new Listener(); // no authkey: it sends no challenge
    const connecting = Client(listener.address, { authkey: Buffer.from('key'), handshakeTimeout: 200 });
    const server = await listener.accept();
    await assert.rejects(connecting, (err) => err instanceof AuthenticationError && /within 200 ms/.test(err.message));
    server.close();
    listener.close();
  });

  it('Client() to a path nobody listens on throws ENOENT naming the path', async () => {
    const address = path.join(os.tmpdir(), `pmp-nobody-${process.pid}.sock`);
    await assert.rejects(Client(address), (err) => {
      assert.equal(err.code, 'ENOENT');
      assert.equal(err.syscall, 'connect');
      assert.ok(err.message.includes(address));
      return true;
    });
    assert.throws(() => clientSync(address), { code: 'ENOENT' });
  });

  it('Client() to a closed listener throws ENOENT (its socket file is gone)', async () => {
    const listener = new Listener();
    listener.close();
    await assert.rejects(Client(listener.address), { code: 'ENOENT' });
  });

  it('new Listener() on an address in use throws EADDRINUSE', () => {
    const listener = new Listener();
    assert.throws(() => new Listener(listener.address), { code: 'EADDRINUSE', syscall: 'bind' });
    listener.close();
  });

  it('an address longer than a unix socket path allows throws ENAMETOOLONG', () => {
    assert.throws(() => new Listener(`/tmp/${'x'.repeat(200)}`), { code: 'ENAMETOOLONG' });
  });

  it('a pending accept() rejects with ERR_LISTENER_CLOSED when the listener is closed', async () => {
    const listener = new Listener();
    const pending = listener.accept();
    setTimeout(() => listener.close(), 20);
    await assert.rejects(pending, { code: 'ERR_LISTENER_CLOSED' });
  });

  it('accept() and acceptSync() on a closed listener throw ERR_LISTENER_CLOSED', async () => {
    const listener = new Listener();
    listener.close();
    listener.close(); // twice is harmless
    await assert.rejects(listener.accept(), { code: 'ERR_LISTENER_CLOSED' });
    assert.throws(() => listener.acceptSync(), { code: 'ERR_LISTENER_CLOSED' });
    assert.equal(listener.closed, true);
  });

  it('[Symbol.dispose] closes the listener', () => {
    let address;
    {
      const listener = new Listener();
      address = listener.address;
      listener[Symbol.dispose]();
    }
    assert.equal(fs.existsSync(address), false);
  });

  it('a Listener passed to a forkserver or spawn child is refused with ERR_UNCLONABLE, naming its address', () => {
    const { dump, channels } = require('../dist/reduction');
    const listener = new Listener();
    assert.throws(
      () => dump({ args: [listener] }, channels.processArgs),
      (err) => {
        assert.equal(err.code, 'ERR_UNCLONABLE');
        assert.ok(err.message.includes(listener.address));
        return true;
      },
    );
    listener.close();
  });

  it('bad arguments throw coded errors', async () => {
    assert.throws(() => new Listener(null, { authkey: 'text' }), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => new Listener(null, { authkey: Buffer.alloc(0) }), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => new Listener(null, { backlog: 0 }), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => new Listener(42), { code: 'ERR_INVALID_ARG_TYPE' });
    await assert.rejects(Client(''), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => clientSync('/tmp/x', { authkey: 5 }), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => new Listener(null, { handshakeTimeout: NaN }), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => new Listener(null, { handshakeTimeout: '5s' }), { code: 'ERR_INVALID_ARG_TYPE' });
    await assert.rejects(Client('/tmp/x', { handshakeTimeout: NaN }), { code: 'ERR_INVALID_ARG_TYPE' });
  });
});
