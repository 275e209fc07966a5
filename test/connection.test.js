'use strict';
const assert = require('node:assert/strict');
const { Pipe, Connection, wait, waitSync, EOFError, BufferTooShort, posix } = require('..');
const { forkChild, waitExit } = require('./helpers/fork_child');

async function exitsCleanly(pid) {
  const status = await waitExit(pid);
  assert.equal(status.exitCode, 0, `child ${pid} exited with ${status.exitCode} (signal ${status.signal})`);
}

const portable = process.env.PMP_BACKEND === 'portable';

describe('Pipe and Connection', () => {
  it('send() in a child arrives with recv() in the parent, structure intact', async function () {
    if (portable) this.skip(); // forks a child: posix only (the spawn-based twins are in queues_pipes_processes.test.js)
    const [parentEnd, childEnd] = Pipe();
    const pid = forkChild(() => {
      parentEnd.close();
      const cyclic = { name: 'root' };
      cyclic.self = cyclic;
      childEnd.sendSync({
        map: new Map([[1, 'a']]),
        set: new Set(['s']),
        date: new Date(5),
        big: 2n ** 70n,
        cyclic,
        floats: new Float64Array([0.5]),
      });
    });
    childEnd.close();
    const got = await parentEnd.recv();
    assert.deepEqual(got.map, new Map([[1, 'a']]));
    assert.deepEqual(got.set, new Set(['s']));
    assert.equal(got.date.getTime(), 5);
    assert.equal(got.big, 2n ** 70n);
    assert.equal(got.cyclic.self, got.cyclic);
    assert.deepEqual(got.floats, new Float64Array([0.5]));
    await exitsCleanly(pid);
    parentEnd.close();
  });

  it('a duplex Pipe carries messages both ways between processes', async function () {
    if (portable) this.skip(); // forks a child: posix only (the spawn-based twins are in queues_pipes_processes.test.js)
    const [a, b] = Pipe();
    const pid = forkChild(() => {
      a.close();
      for (;;) {
        let n;
        try {
          n = b.recvSync();
        } catch (err) {
          if (err instanceof EOFError) return 0;
          throw err;
        }
        b.sendSync(n * 2);
      }
    });
    b.close();
    for (let i = 0; i < 100; i++) {
      await a.send(i);
      assert.equal(await a.recv(), i * 2);
    }
    a.close();
    await exitsCleanly(pid);
  });

  it('message boundaries and empty messages are kept', () => {
    const [a, b] = Pipe();
    a.sendBytesSync(Buffer.from('one'));
    a.sendBytesSync(Buffer.alloc(0));
    a.sendBytesSync(Buffer.from('three'));
    assert.equal(b.recvBytesSync().toString(), 'one');
    assert.equal(b.recvBytesSync().length, 0);
    assert.equal(b.recvBytesSync().toString(), 'three');
    a.close();
    b.close();
  });

  it('recv() throws EOFError only once every copy of the other end is closed', async function () {
    if (portable) this.skip(); // forks a child: posix only (the spawn-based twins are in queues_pipes_processes.test.js)
    const [a, b] = Pipe();
    const pid = forkChild(() => {
      a.close();
      b.sendSync('last words');
      b.close();
    });
    assert.equal(await a.recv(), 'last words');
    assert.equal(a.pollSync(50), false, 'the parent still holds a copy of the other end');
    b.close();
    await assert.rejects(a.recv(), EOFError);
    await exitsCleanly(pid);
    a.close();
  });

  it('recv() and send() calls made together keep their order, also when a message arrives in parts', async function () {
    if (portable) this.skip(); // forks a child: posix only (the spawn-based twins are in queues_pipes_processes.test.js)
    const [a, b] = Pipe();
    const big = Buffer.alloc(4 << 20, 9); // larger than the socket buffer: written and read in parts
    const pid = forkChild(() => {
      a.close();
      const got = [b.recvSync(), b.recvSync(), b.recvSync()];
      b.sendSync(big);
      b.sendSync(got.map((x) => (Buffer.isBuffer(x) ? x.length : x)));
      b.sendSync('end');
      b.close();
    });
    // Three sends, then three receives, none awaited before the next is made.
    await Promise.all([a.send(big), a.send('second'), a.send('third')]);
    const [first, second, third] = await Promise.all([a.recv(), a.recv(), a.recv()]);
    assert.equal(first.length, 4 << 20);
    assert.equal(first[12345], 9);
    assert.deepEqual(second, [4 << 20, 'second', 'third']);
    assert.equal(third, 'end');
    await exitsCleanly(pid);
    a.close();
    b.close();
  });

  it('recv() on a connection whose other end is gone rejects (never throws synchronously)', () => {
    const [a, b] = Pipe();
    b.close();
    const pending = a.recv();
    assert.ok(pending instanceof Promise);
    return assert.rejects(pending, EOFError).finally(() => a.close());
  });

  it('a connection keeps its read watch between waits and ends it when closed', async function () {
    if (portable) this.skip(); // fd watches: posix internals
    const { keptWatchFds } = require('../dist/wait/fd_readiness');
    const [a, b] = Pipe();
    const fd = a.fileno();
    for (let i = 0; i < 3; i++) {
      const pending = a.recv(); // nothing there yet: spins for 0.5 ms, then waits on the event loop
      setTimeout(() => b.sendSync(i), 5);
      assert.equal(await pending, i);
    }
    assert.equal(keptWatchFds().filter((f) => f === fd).length, 1, 'one watch, kept (paused) for the next wait');
    a.close();
    assert.ok(!keptWatchFds().includes(fd), 'close() ends the watch before closing the fd');
    b.close();
  });

  it('a connection keeps its write watch between waits and ends it when closed', async function () {
    if (portable) this.skip(); // forks a child: posix only (the spawn-based twins are in queues_pipes_processes.test.js)
    const { keptWatchFds } = require('../dist/wait/fd_readiness');
    const [a, b] = Pipe();
    const pid = forkChild(() => {
      a.close();
      // Read only after a while: a reader that starts at once can drain the
      // socket while the sender still spins, and the send never waits.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 100);
      for (let i = 0; i < 2; i++) b.recvBytesSync();
      b.close();
    });
    const fd = a.fileno();
    // 8 MiB is far more than the socket buffer: the first send waits for room on the event loop.
    await a.sendBytes(Buffer.alloc(8 << 20, 1));
    await a.sendBytes(Buffer.alloc(8 << 20, 2));
    assert.ok(keptWatchFds().includes(fd), 'the write watch (on a dup of the fd) is kept');
    await exitsCleanly(pid);
    a.close();
    assert.ok(!keptWatchFds().includes(fd), 'close() ends it and closes the dup');
    b.close();
  });

  it('async iteration yields messages until the other end is closed', async function () {
    if (portable) this.skip(); // forks a child: posix only (the spawn-based twins are in queues_pipes_processes.test.js)
    const [reader, writer] = Pipe(false);
    const pid = forkChild(() => {
      reader.close();
      for (let i = 0; i < 5; i++) writer.sendSync(i);
    });
    writer.close();
    const seen = [];
    for await (const item of reader) seen.push(item);
    assert.deepEqual(seen, [0, 1, 2, 3, 4]);
    await exitsCleanly(pid);
    reader.close();
  });

  it('a 16 MiB message crosses a Pipe between processes intact', async function () {
    if (portable) this.skip(); // forks a child: posix only (the spawn-based twins are in queues_pipes_processes.test.js)
    const [a, b] = Pipe();
    const size = 16 << 20;
    const pid = forkChild(() => {
      a.close();
      const big = Buffer.alloc(size);
      for (let i = 0; i < size; i += 4096) big[i] = (i >> 12) & 0xff;
      b.sendBytesSync(big);
    });
    b.close();
    const got = await a.recvBytes();
    assert.equal(got.length, size);
    for (let i = 0; i < size; i += 4096) assert.equal(got[i], (i >> 12) & 0xff);
    await exitsCleanly(pid);
    a.close();
  });

  it('sendBytes(buf, offset, size) sends exactly that slice', () => {
    const [a, b] = Pipe();
    a.sendBytesSync(Buffer.from('abcdefgh'), 2, 3);
    a.sendBytesSync(Buffer.from('abcdefgh'), 6);
    assert.equal(b.recvBytesSync().toString(), 'cde');
    assert.equal(b.recvBytesSync().toString(), 'gh');
    a.close();
    b.close();
  });

  it('sendBytes with a bad offset or size throws ERR_OUT_OF_RANGE and sends nothing', () => {
    const [a, b] = Pipe();
    const buf = Buffer.alloc(8);
    assert.throws(() => a.sendBytesSync(buf, -1), { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => a.sendBytesSync(buf, 9), { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => a.sendBytesSync(buf, 4, 5), { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => a.sendBytesSync(buf, 0, -2), { code: 'ERR_OUT_OF_RANGE' });
    assert.throws(() => a.sendBytes(buf, 2, 7), { code: 'ERR_OUT_OF_RANGE' });
    assert.equal(b.pollSync(), false);
    a.close();
    b.close();
  });

  it('recvBytesInto() writes the message at offset and returns its size', async () => {
    const [a, b] = Pipe();
    const target = Buffer.alloc(10, 0x2e);
    a.sendBytesSync(Buffer.from('xyz'));
    assert.equal(await b.recvBytesInto(target, 4), 3);
    assert.equal(target.toString(), '....xyz...');
    a.close();
    b.close();
  });

  it('recvBytesInto() throws BufferTooShort holding the whole message when it does not fit', () => {
    const [a, b] = Pipe();
    a.sendBytesSync(Buffer.from('too long'));
    a.sendBytesSync(Buffer.from('next'));
    const err = (() => {
      try {
        b.recvBytesIntoSync(Buffer.alloc(6), 2);
      } catch (e) {
        return e;
      }
    })();
    assert.ok(err instanceof BufferTooShort);
    assert.equal(err.received.toString(), 'too long');
    assert.equal(b.recvBytesSync().toString(), 'next', 'the stream stays in step');
    a.close();
    b.close();
  });

  it('recvBytesInto() with an offset past the end throws ERR_OUT_OF_RANGE', () => {
    const [a, b] = Pipe();
    assert.throws(() => b.recvBytesIntoSync(Buffer.alloc(4), 5), { code: 'ERR_OUT_OF_RANGE' });
    a.close();
    b.close();
  });

  it('recvBytes(maxlength) discards a longer message with ERR_MESSAGE_TOO_LONG and stays in step', () => {
    const [a, b] = Pipe();
    a.sendBytesSync(Buffer.alloc(100));
    a.sendBytesSync(Buffer.from('ok'));
    assert.throws(() => b.recvBytesSync(10), { code: 'ERR_MESSAGE_TOO_LONG' });
    assert.equal(b.recvBytesSync(10).toString(), 'ok');
    a.close();
    b.close();
  });

  it('a one-way Pipe is [receive-only, send-only] and refuses the wrong direction', () => {
    const [reader, writer] = Pipe(false);
    assert.equal(reader.readable, true);
    assert.equal(reader.writable, false);
    assert.equal(writer.readable, false);
    assert.equal(writer.writable, true);
    assert.throws(() => reader.sendSync(1), { code: 'ERR_CONNECTION_NOT_WRITABLE' });
    assert.throws(() => writer.recvSync(), { code: 'ERR_CONNECTION_NOT_READABLE' });
    assert.throws(() => writer.pollSync(), { code: 'ERR_CONNECTION_NOT_READABLE' });
    reader.close();
    writer.close();
  });

  it('every operation on a closed connection throws ERR_CONNECTION_CLOSED', async () => {
    const [a, b] = Pipe();
    a.close();
    assert.equal(a.closed, true);
    assert.throws(() => a.fileno(), { code: 'ERR_CONNECTION_CLOSED' });
    assert.throws(() => a.sendSync(1), { code: 'ERR_CONNECTION_CLOSED' });
    assert.throws(() => a.recvSync(), { code: 'ERR_CONNECTION_CLOSED' });
    assert.throws(() => a.pollSync(), { code: 'ERR_CONNECTION_CLOSED' });
    a.close(); // a second close is harmless
    b.close();
  });

  it('a recv() pending when its connection is closed rejects with ERR_CONNECTION_CLOSED, not a hang', async () => {
    const [a, b] = Pipe();
    const pending = a.recv();
    await new Promise((resolve) => setTimeout(resolve, 20)); // the read is waiting on the event loop
    a.close();
    let timer;
    const hang = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error('recv() still pending 2 s after close()')), 2000);
    });
    await assert.rejects(Promise.race([pending, hang]), { code: 'ERR_CONNECTION_CLOSED' });
    clearTimeout(timer);
    b.close();
  });

  it('a recv() still spinning when its connection is closed rejects with ERR_CONNECTION_CLOSED, not EBADF', async () => {
    // The read looks again once per turn of the loop for a moment before it
    // waits: a close() in that moment must not have it poll the closed fd.
    const [a, b] = Pipe();
    const pending = a.recv();
    await new Promise((resolve) => setImmediate(resolve)); // one turn into the read's spin
    a.close();
    await assert.rejects(pending, { code: 'ERR_CONNECTION_CLOSED' });
    b.close();
  });

  it('sending a function throws ERR_UNCLONABLE and the connection stays usable', () => {
    const [a, b] = Pipe();
    assert.throws(() => a.sendSync({ callback() {} }), { code: 'ERR_UNCLONABLE', message: /function/ });
    assert.throws(() => a.sendSync(Symbol('s')), { code: 'ERR_UNCLONABLE', message: /symbol/ });
    assert.equal(b.pollSync(), false, 'nothing was written');
    a.sendSync('fine');
    assert.equal(b.recvSync(), 'fine');
    a.close();
    b.close();
  });

  it('poll(timeout) resolves false after ~timeout and true once a message arrives', async () => {
    const [a, b] = Pipe();
    const started = Date.now();
    assert.equal(await b.poll(80), false);
    assert.ok(Date.now() - started >= 70, `returned after ${Date.now() - started} ms`);
    setTimeout(() => a.sendSync('x'), 20);
    assert.equal(await b.poll(null), true);
    assert.equal(b.recvSync(), 'x');
    a.close();
    b.close();
  });

  it('recv() does not block the event loop while it waits', async () => {
    const [a, b] = Pipe();
    let ticks = 0;
    const timer = setInterval(() => {
      ticks++;
    }, 5);
    const pending = b.recv();
    await new Promise((r) => setTimeout(r, 60));
    a.sendSync('done');
    assert.equal(await pending, 'done');
    clearInterval(timer);
    assert.ok(ticks >= 5, `only ${ticks} timer ticks ran while recv() waited`);
    a.close();
    b.close();
  });

  it('wait() returns the connections that are ready and [] after the timeout', async function () {
    if (portable) this.skip(); // forks a child: posix only (the spawn-based twins are in queues_pipes_processes.test.js)
    const [a1, b1] = Pipe();
    const [a2, b2] = Pipe();
    assert.deepEqual(await wait([b1, b2], 30), []);
    const pid = forkChild(() => {
      a2.sendSync('from child');
    });
    const ready = await wait([b1, b2]);
    assert.deepEqual(ready, [b2]);
    assert.equal(b2.recvSync(), 'from child');
    await exitsCleanly(pid);
    for (const c of [a1, b1, a2, b2]) c.close();
  });

  it('wait() accepts raw fds and objects with a sentinel fd', async function () {
    if (portable) this.skip(); // forks a child: posix only (the spawn-based twins are in queues_pipes_processes.test.js)
    const [readFd, writeFd] = posix.pipe();
    const processLike = { sentinel: readFd };
    const pid = forkChild(() => 0); // its exit closes nothing of ours; we close writeFd below
    await exitsCleanly(pid);
    setTimeout(() => require('node:fs').closeSync(writeFd), 10);
    assert.deepEqual(await wait([processLike], 2000), [processLike]);
    assert.deepEqual(waitSync([readFd], 0), [readFd]);
    require('node:fs').closeSync(readFd);
  });

  it('a Connection reduces to its fd and rebuilds as a working connection', function () {
    if (portable) this.skip(); // posix internals (the addon's fds)
    const { reduce, rebuild } = require('../dist/reduction');
    const [a, b] = Pipe(false);
    const reduced = b[reduce]();
    assert.equal(reduced.kind, 'Connection');
    assert.deepEqual(reduced.fds, [b.fileno()]);
    const copy = rebuild(reduced, [require('../dist/internal/native').native.dup(b.fileno())]);
    assert.ok(copy instanceof Connection);
    copy.sendSync('via the rebuilt copy');
    assert.equal(a.recvSync(), 'via the rebuilt copy');
    for (const c of [a, b, copy]) c.close();
  });
  it('a duplex Pipe takes a 1 MiB message whole before the other end reads (where the kernel allows the buffer)', async function () {
    if (portable) this.skip(); // the socket buffer is the posix kernel's; the portable broker has its own flow
    let cap = 0;
    try {
      cap = Number(require('node:fs').readFileSync('/proc/sys/net/core/wmem_max', 'utf8'));
    } catch {
      this.skip(); // not Linux: the cap is not readable this way
    }
    if (cap < 2 * 1024 * 1024) this.skip(); // capped below a whole message: writes go in pieces, as before
    const [a, b] = Pipe();
    const big = Buffer.alloc(1 << 20, 3);
    let sent = false;
    const sending = b.sendBytes(big).then(() => {
      sent = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(sent, true, 'a 1 MiB send waited for the reader: the send buffer was not widened');
    await sending;
    assert.deepEqual(await a.recvBytes(), big);
    a.close();
    b.close();
  });
});
