'use strict';
// Manager tests run in the test process with the fork start method (the runner
// is --single-threaded), or spawn under the portable backend (its only one);
// test/manager_start_methods.test.js covers every method.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const {
  Manager,
  ManagerSync,
  SyncManager,
  DictProxy,
  ListProxy,
  NamespaceProxy,
  getContext,
  Pipe,
  Queue,
  JoinableQueue,
  Lock,
  RLock,
  Semaphore,
  BoundedSemaphore,
  Condition,
  Event,
  Barrier,
  AuthenticationError,
  Client,
} = require('..');

const targets = require('./fixtures/manager_targets');

const portable = process.env.PMP_BACKEND === 'portable';
const method = portable ? 'spawn' : 'fork';
const ctx = getContext(method);

// Targets here are synchronous; the fixtures cover async targets.
async function runChildren(target, argsList) {
  const children = argsList.map((args) => new ctx.Process({ target, args }));
  for (const child of children) child.start();
  for (const child of children) {
    await child.join(20000);
    assert.equal(child.exitcode, 0, `child ${child.pid} exited with ${child.exitcode}`);
  }
}

describe('Manager: dict, list and Namespace proxies', function () {
  this.timeout(30000);
  let manager;

  before(async () => {
    manager = await Manager({ context: method });
  });
  after(async () => {
    await manager.shutdown();
  });

  describe('dict()', () => {
    it('set() then get() returns the value, async and Sync', async () => {
      const d = await manager.dict();
      await d.set('a', { nested: [1, 2] });
      d.setSync('b', 2);
      assert.deepEqual(await d.get('a'), { nested: [1, 2] });
      assert.equal(d.getSync('b'), 2);
    });

    it('starts from a plain object, a Map or [key, value] pairs', async () => {
      assert.deepEqual(await (await manager.dict({ a: 1 })).copy(), new Map([['a', 1]]));
      assert.deepEqual(await (await manager.dict(new Map([[1, 'one']]))).copy(), new Map([[1, 'one']]));
      assert.deepEqual(manager.dictSync([[true, 'yes']]).copySync(), new Map([[true, 'yes']]));
    });

    it('keys keep their type: 1 and "1" are different keys', async () => {
      const d = await manager.dict();
      await d.set(1, 'number');
      await d.set('1', 'string');
      assert.equal(await d.size(), 2);
      assert.equal(await d.get(1), 'number');
    });

    it('get() of a missing key throws ERR_KEY_NOT_FOUND; with a default returns the default', async () => {
      const d = await manager.dict();
      await assert.rejects(d.get('missing'), {
        code: 'ERR_KEY_NOT_FOUND',
        message: "KeyError: 'missing' is not in the dict",
      });
      assert.throws(() => d.getSync('missing'), { code: 'ERR_KEY_NOT_FOUND' });
      assert.equal(await d.get('missing', 7), 7);
      assert.equal(await d.get('missing', undefined), undefined);
    });

    it('has() tells whether a key is there; delete() removes it and says whether it was', async () => {
      const d = await manager.dict({ a: 1 });
      assert.equal(await d.has('a'), true);
      assert.equal(await d.delete('a'), true);
      assert.equal(d.deleteSync('a'), false);
      assert.equal(d.hasSync('a'), false);
    });

    it('keys(), values() and items() list the entries in insertion order', async () => {
      const d = await manager.dict({ b: 2 });
      await d.set('c', 3);
      assert.deepEqual(await d.keys(), ['b', 'c']);
      assert.deepEqual(d.valuesSync(), [2, 3]);
      assert.deepEqual(await d.items(), [
        ['b', 2],
        ['c', 3],
      ]);
    });

    it('size() and len() count the entries', async () => {
      const d = await manager.dict({ a: 1, b: 2 });
      assert.equal(await d.size(), 2);
      assert.equal(d.lenSync(), 2);
    });

    it('update() takes a plain object, a Map or pairs', async () => {
      const d = await manager.dict();
      await d.update({ a: 1 });
      await d.update(new Map([['b', 2]]));
      d.updateSync([['c', 3]]);
      assert.deepEqual(
        await d.copy(),
        new Map([
          ['a', 1],
          ['b', 2],
          ['c', 3],
        ]),
      );
    });

    it('pop() removes and returns; a missing key throws ERR_KEY_NOT_FOUND unless a default is given', async () => {
      const d = await manager.dict({ a: 1 });
      assert.equal(await d.pop('a'), 1);
      await assert.rejects(d.pop('a'), { code: 'ERR_KEY_NOT_FOUND' });
      assert.equal(d.popSync('a', 'dflt'), 'dflt');
    });

    it('setdefault() keeps an existing value and sets a missing one', async () => {
      const d = await manager.dict({ a: 1 });
      assert.equal(await d.setdefault('a', 5), 1);
      assert.equal(d.setdefaultSync('b', 5), 5);
      assert.equal(await d.get('b'), 5);
    });

    it('clear() empties it', async () => {
      const d = await manager.dict({ a: 1 });
      await d.clear();
      assert.equal(await d.len(), 0);
    });

    it('an object key is refused with ERR_INVALID_ARG_TYPE from the server', async () => {
      const d = await manager.dict();
      await assert.rejects(d.set({ not: 'hashable' }, 1), (err) => {
        assert.ok(err instanceof TypeError);
        assert.equal(err.code, 'ERR_INVALID_ARG_TYPE');
        return true;
      });
    });

    it('a value that cannot be cloned is refused with ERR_UNCLONABLE and the proxy stays usable', async () => {
      const d = await manager.dict();
      await assert.rejects(
        d.set('f', () => 1),
        { code: 'ERR_UNCLONABLE' },
      );
      assert.throws(() => d.setSync('f', Symbol('s')), { code: 'ERR_UNCLONABLE' });
      await d.set('ok', 1);
      assert.equal(await d.get('ok'), 1);
    });

    it('a dict proxy set in a child is seen by the parent', async () => {
      const d = await manager.dict();
      await runChildren(targets.setFromChild, [[d]]);
      assert.equal(await d.get('from'), 'child');
    });

    it('4 children each incrementing their own key 50 times leave every count at 50', async () => {
      const d = await manager.dict({ 0: 0, 1: 0, 2: 0, 3: 0 });
      await runChildren(targets.incrementKey50Times, [
        [d, '0'],
        [d, '1'],
        [d, '2'],
        [d, '3'],
      ]);
      assert.deepEqual(
        await d.copy(),
        new Map([
          ['0', 50],
          ['1', 50],
          ['2', 50],
          ['3', 50],
        ]),
      );
    });

    it('1,000 async calls in flight at once each get their own reply, in order', async () => {
      const d = await manager.dict();
      await Promise.all(Array.from({ length: 1000 }, (_, i) => d.set(i, i * 2)));
      const values = await Promise.all(Array.from({ length: 1000 }, (_, i) => d.get(i)));
      assert.deepEqual(
        values,
        Array.from({ length: 1000 }, (_, i) => i * 2),
      );
    });

    it('Sync calls between pending async calls do not take their replies', async () => {
      const d = await manager.dict({ a: 'async', b: 'sync' });
      const pending = [d.get('a'), d.get('a')];
      assert.equal(d.getSync('b'), 'sync');
      assert.deepEqual(await Promise.all(pending), ['async', 'async']);
    });

    it('a dict proxy put in a Queue works in the child that gets it', async () => {
      const d = await manager.dict();
      const queue = new Queue();
      await queue.put({ target: d });
      await runChildren(targets.setViaQueue, [[queue]]);
      assert.equal(await d.get('via'), 'queue');
      queue.close();
    });

    it('a proxy sent through a Pipe arrives as a working proxy', async () => {
      const d = await manager.dict({ a: 1 });
      const [a, b] = Pipe();
      a.sendSync([d]);
      const [received] = b.recvSync();
      assert.ok(received instanceof DictProxy);
      assert.equal(await received.get('a'), 1);
      a.close();
      b.close();
    });

    it('a proxy stored in a dict comes back as a proxy to the same object', async () => {
      const d = await manager.dict();
      const inner = await manager.list([1]);
      await d.set('inner', inner);
      const back = await d.get('inner');
      assert.ok(back instanceof ListProxy);
      await back.append(2);
      assert.deepEqual(await inner.copy(), [1, 2]);
    });

    it('is a DictProxy', async () => {
      const d = await manager.dict();
      assert.ok(d instanceof DictProxy);
      assert.match(String(d), /^<DictProxy object, typeid 'dict' at '.*' id \d+>$/);
    });
  });

  describe('list()', () => {
    it('append, extend, get, set and copy', async () => {
      const l = await manager.list([1]);
      await l.append(2);
      l.extendSync(new Set([3, 4]));
      await l.set(0, 'first');
      assert.equal(await l.get(0), 'first');
      assert.equal(l.getSync(-1), 4);
      assert.deepEqual(await l.copy(), ['first', 2, 3, 4]);
      assert.ok(l instanceof ListProxy);
    });

    it('get() or set() out of range throws ERR_INDEX_OUT_OF_RANGE', async () => {
      const l = await manager.list([1, 2]);
      await assert.rejects(l.get(2), { code: 'ERR_INDEX_OUT_OF_RANGE' });
      assert.throws(() => l.setSync(-3, 0), { code: 'ERR_INDEX_OUT_OF_RANGE' });
      await assert.rejects(l.get(0.5), { code: 'ERR_INVALID_ARG_TYPE' });
    });

    it('pop() takes the last item by default, or the one at an index; empty throws ERR_INDEX_OUT_OF_RANGE', async () => {
      const l = await manager.list([1, 2, 3]);
      assert.equal(await l.pop(), 3);
      assert.equal(l.popSync(0), 1);
      assert.equal(await l.pop(), 2);
      await assert.rejects(l.pop(), { code: 'ERR_INDEX_OUT_OF_RANGE', message: 'IndexError: pop from empty list' });
    });

    it('insert() clamps the index as Python does', async () => {
      const l = await manager.list([1, 2]);
      await l.insert(0, 'a');
      await l.insert(100, 'z');
      await l.insert(-1, 'y');
      assert.deepEqual(await l.copy(), ['a', 1, 2, 'y', 'z']);
    });

    it('remove(), index() and count() compare by value; a missing value throws ERR_VALUE_NOT_FOUND', async () => {
      const l = await manager.list([{ a: 1 }, 2, { a: 1 }]);
      assert.equal(await l.count({ a: 1 }), 2);
      assert.equal(await l.index(2), 1);
      await l.remove({ a: 1 });
      assert.deepEqual(l.copySync(), [2, { a: 1 }]);
      await assert.rejects(l.remove(9), { code: 'ERR_VALUE_NOT_FOUND' });
      assert.throws(() => l.indexSync(9), { code: 'ERR_VALUE_NOT_FOUND' });
    });

    it('length() and len() count the items', async () => {
      const l = await manager.list([1, 2, 3, 4]);
      assert.equal(await l.length(), 4);
      assert.equal(l.lenSync(), 4);
    });

    it('slice() follows Array.prototype.slice', async () => {
      const l = await manager.list([1, 2, 3, 4]);
      assert.deepEqual(await l.slice(1, -1), [2, 3]);
      assert.deepEqual(l.sliceSync(2), [3, 4]);
    });

    it('reverse() reverses in place; clear() empties', async () => {
      const l = await manager.list([1, 2, 3]);
      await l.reverse();
      assert.deepEqual(await l.copy(), [3, 2, 1]);
      l.clearSync();
      assert.equal(await l.len(), 0);
    });

    it('sort() orders numbers by value, optionally reversed; mixing strings and numbers throws', async () => {
      const l = await manager.list([10, 9, 100]);
      await l.sort();
      assert.deepEqual(await l.copy(), [9, 10, 100]);
      l.sortSync({ reverse: true });
      assert.deepEqual(await l.copy(), [100, 10, 9]);
      await l.append('x');
      await assert.rejects(l.sort(), { code: 'ERR_INVALID_ARG_TYPE' });
    });

    it('items appended by 4 children all arrive', async () => {
      const l = await manager.list();
      await runChildren(targets.append25, [
        [l, 0],
        [l, 1],
        [l, 2],
        [l, 3],
      ]);
      const items = await l.copy();
      assert.equal(items.length, 100);
      assert.deepEqual(
        [...items].sort((a, b) => a - b),
        [0, 1, 2, 3].flatMap((n) => Array.from({ length: 25 }, (_, i) => n * 100 + i)),
      );
    });
  });

  describe('Namespace()', () => {
    it('get(), set(), has(), delete() and toObject()', async () => {
      const ns = await manager.Namespace({ x: 1 });
      await ns.set('y', 2);
      assert.equal(await ns.get('x'), 1);
      assert.equal(ns.getSync('y'), 2);
      assert.equal(await ns.has('y'), true);
      assert.equal(await ns.delete('y'), true);
      assert.deepEqual(await ns.toObject(), { x: 1 });
      assert.ok(ns instanceof NamespaceProxy);
    });

    it('get() of a missing attribute throws ERR_ATTRIBUTE_NOT_FOUND', async () => {
      const ns = await manager.Namespace();
      await assert.rejects(ns.get('nope'), {
        code: 'ERR_ATTRIBUTE_NOT_FOUND',
        message: "AttributeError: the Namespace has no attribute 'nope'",
      });
    });

    it('plain properties read and write the server synchronously; a missing one reads undefined', () => {
      const ns = manager.NamespaceSync({ x: 1 });
      ns.y = 'why';
      assert.equal(ns.x, 1);
      assert.equal(ns.getSync('y'), 'why');
      assert.equal(ns.missing, undefined);
      assert.equal('y' in ns, true);
      delete ns.y;
      assert.equal('y' in ns, false);
    });

    it('awaiting a Namespace does not call the server for a then property', async () => {
      const ns = await manager.Namespace();
      assert.equal(await ns, ns);
    });

    it('attributes set by a child are seen by the parent', async () => {
      const ns = await manager.Namespace();
      await runChildren(targets.setAnswer, [[ns]]);
      assert.equal(ns.answer, 42);
    });
  });
});

describe('Manager: protocol errors', function () {
  this.timeout(30000);
  const { reduce } = require('../dist/reduction');
  const { callManager } = require('../dist/managers/manager_client');
  let manager;
  let ref;

  before(async () => {
    manager = await Manager({ context: method });
    const { state } = (await manager.dict())[reduce]();
    ref = { address: state.address, authkey: Buffer.from(state.authkey) };
  });
  after(async () => {
    await manager.shutdown();
  });

  it('a proxy for an object id the server does not hold gets ERR_UNKNOWN_OBJECT', async () => {
    await assert.rejects(new DictProxy(ref, 999999).get('a'), { code: 'ERR_UNKNOWN_OBJECT' });
  });

  it('a method the object does not have gets ERR_UNKNOWN_METHOD', async () => {
    const d = await manager.dict();
    await assert.rejects(callManager(ref, Number(String(d).match(/id (\d+)/)[1]), 'push', [1]), {
      code: 'ERR_UNKNOWN_METHOD',
      message: "a dict proxy has no method 'push'",
    });
    await assert.rejects(callManager(ref, 0, 'explode', []), { code: 'ERR_UNKNOWN_METHOD' });
  });

  it('creating a type the server does not know gets ERR_UNKNOWN_TYPE', async () => {
    await assert.rejects(callManager(ref, 0, 'create', ['set', []]), { code: 'ERR_UNKNOWN_TYPE' });
  });

  it('a request whose arguments are not an array gets ERR_INVALID_ARG_TYPE', async () => {
    await assert.rejects(callManager(ref, 0, 'create', 'dict'), { code: 'ERR_INVALID_ARG_TYPE' });
  });

  it('a Namespace attribute name that is not a string gets ERR_INVALID_ARG_TYPE', async () => {
    const ns = await manager.Namespace();
    await assert.rejects(ns.get(5), { code: 'ERR_INVALID_ARG_TYPE' });
  });

  it('a client with the wrong authkey gets AuthenticationError and the server keeps serving others', async () => {
    await assert.rejects(Client(ref.address, { authkey: Buffer.from('not the key') }), AuthenticationError);
    const d = await manager.dict({ still: 'served' });
    assert.equal(await d.get('still'), 'served');
  });

  it('shutdown() from a child the manager was inherited by throws ERR_MANAGER_NOT_OURS', async function () {
    if (portable) this.skip(); // only a forked child inherits a SyncManager; spawn refuses to send it (tested below)
    const child = new ctx.Process({ target: targets.shutdownFromChild, args: [manager] });
    child.start();
    await child.join(10000);
    assert.equal(child.exitcode, 7);
    assert.equal((await manager.dict({ a: 1 })) instanceof DictProxy, true); // still running
  });
});

describe('Manager: other objects and lifetime', function () {
  this.timeout(30000);

  it("Value, Array, Queue and the synchronisation objects are the library's own process-shared objects", async () => {
    const manager = await Manager({ context: method });
    try {
      const value = manager.Value('i', 5);
      assert.equal(value.value, 5);
      assert.deepEqual([...manager.Array('d', [1.5, 2])], [1.5, 2]);
      assert.ok(manager.Queue() instanceof Queue);
      assert.ok(manager.JoinableQueue() instanceof JoinableQueue);
      assert.ok(manager.Lock() instanceof Lock);
      assert.ok(manager.RLock() instanceof RLock);
      assert.ok(manager.Semaphore(2) instanceof Semaphore);
      assert.ok(manager.BoundedSemaphore() instanceof BoundedSemaphore);
      assert.ok(manager.Condition() instanceof Condition);
      assert.ok(manager.Event() instanceof Event);
      assert.equal(manager.Barrier(3).parties, 3);
      assert.ok(manager.Barrier(2) instanceof Barrier);
    } finally {
      await manager.shutdown();
    }
  });

  it('shutdown() stops the server process and removes its socket directory', async () => {
    const manager = await Manager({ context: method });
    assert.ok(manager instanceof SyncManager);
    const { pid, address } = manager;
    assert.equal(fs.statSync(address).isSocket(), true);
    await manager.shutdown();
    assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
    assert.equal(fs.existsSync(path.dirname(address)), false);
  });

  it('calls through a proxy after shutdown() throw ERR_MANAGER_GONE, async and Sync', async () => {
    const manager = await Manager({ context: method });
    const d = await manager.dict({ a: 1 });
    await manager.shutdown();
    await assert.rejects(d.get('a'), { code: 'ERR_MANAGER_GONE', message: /shutdown\(\) was called/ });
    assert.throws(() => d.getSync('a'), { code: 'ERR_MANAGER_GONE' });
    await assert.rejects(manager.dict(), { code: 'ERR_MANAGER_GONE' });
  });

  it('calls pending when shutdown() is called reject with ERR_MANAGER_GONE', async () => {
    const manager = await Manager({ context: method });
    const d = await manager.dict();
    const pending = Array.from({ length: 50 }, (_, i) => d.set(i, i));
    const done = manager.shutdown();
    const results = await Promise.allSettled(pending);
    await done;
    for (const result of results) {
      if (result.status === 'rejected') assert.equal(result.reason.code, 'ERR_MANAGER_GONE');
    }
  });

  it('shutdown() twice is harmless', async () => {
    const manager = await Manager({ context: method });
    await manager.shutdown();
    await manager.shutdown();
    manager.shutdownSync();
  });

  it('calls after the server process died throw ERR_MANAGER_GONE, not a hang', async () => {
    const manager = await Manager({ context: method });
    const d = await manager.dict({ a: 1 });
    const l = manager.listSync();
    assert.equal(await d.get('a'), 1); // the async connection is open
    l.appendSync(1); // and the Sync one
    process.kill(manager.pid, 'SIGKILL');
    await assert.rejects(d.get('a'), { code: 'ERR_MANAGER_GONE', message: /is gone/ });
    assert.throws(() => l.appendSync(2), { code: 'ERR_MANAGER_GONE' });
    await manager.shutdown();
    assert.equal(fs.existsSync(path.dirname(manager.address)), false);
  });

  it("Manager() under fork called after an await starts a server that never runs the caller's code", async function () {
    if (portable) this.skip(); // fork is a posix start method
    await new Promise((resolve) => setTimeout(resolve, 1));
    const manager = await Manager({ context: method });
    try {
      const d = await manager.dict({ a: 1 });
      assert.equal(await d.get('a'), 1);
    } finally {
      await manager.shutdown();
    }
  });

  it('ManagerSync() starts a server that Sync calls use', () => {
    const manager = ManagerSync({ context: method });
    try {
      const d = manager.dictSync({ a: 1 });
      assert.equal(d.getSync('a'), 1);
    } finally {
      manager.shutdownSync();
    }
  });

  it('[Symbol.asyncDispose] shuts the manager down', async () => {
    const manager = await Manager({ context: method });
    const d = await manager.dict();
    await manager[Symbol.asyncDispose]();
    await assert.rejects(d.size(), { code: 'ERR_MANAGER_GONE' });
  });

  it('the server ignores SIGINT (Ctrl-C reaches the whole process group; the parent decides)', async () => {
    const manager = await Manager({ context: method });
    try {
      const d = await manager.dict({ a: 1 });
      process.kill(manager.pid, 'SIGINT');
      await new Promise((r) => setTimeout(r, 100));
      assert.equal(await d.get('a'), 1);
    } finally {
      await manager.shutdown();
    }
  });

  it('a server that cannot listen makes Manager() throw ERR_MANAGER_START_FAILED with the reason', async () => {
    // A temp directory so deep that the socket path exceeds what sun_path holds.
    const deep = fs.mkdtempSync(path.join(require('node:os').tmpdir(), `pmp-deep-${'x'.repeat(100)}-`));
    const previous = process.env.TMPDIR;
    process.env.TMPDIR = deep;
    try {
      await assert.rejects(Manager({ context: method }), (err) => {
        assert.equal(err.code, 'ERR_MANAGER_START_FAILED');
        assert.match(err.message, /did not start: ENAMETOOLONG/);
        return true;
      });
      // Its socket directory was removed. A spawned server (portable) on Node 22.1+ may
      // leave V8's compile cache there: Node's own cache, kept on purpose (README, Compile cache).
      assert.deepEqual(
        fs.readdirSync(deep).filter((name) => name !== 'node-compile-cache'),
        [],
      );
    } finally {
      if (previous === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = previous;
      fs.rmSync(deep, { recursive: true, force: true });
    }
  });

  it('a server that does not listen within startTimeout makes Manager() throw ERR_MANAGER_START_FAILED', async () => {
    await assert.rejects(Manager({ context: method, startTimeout: 0 }), {
      code: 'ERR_MANAGER_START_FAILED',
      message: /did not listen within 0 ms/,
    });
  });

  it('a SyncManager passed to a forkserver or spawn child is refused with ERR_UNCLONABLE', async () => {
    const { dump, channels } = require('../dist/reduction');
    const manager = await Manager({ context: method });
    try {
      assert.throws(() => dump({ args: [manager] }, channels.processArgs), {
        code: 'ERR_UNCLONABLE',
        message: /pass their proxies/,
      });
    } finally {
      await manager.shutdown();
    }
  });

  it('bad options throw coded errors', async () => {
    await assert.rejects(Manager({ startTimeout: -1 }), { code: 'ERR_INVALID_ARG_VALUE' });
    await assert.rejects(Manager(null), { code: 'ERR_INVALID_ARG_TYPE' });
    await assert.rejects(Manager({ context: 'threads' }), /threads/);
  });

  it('dict() with an init that is not a collection throws ERR_INVALID_ARG_TYPE', async () => {
    const manager = await Manager({ context: method });
    try {
      await assert.rejects(manager.dict(5), { code: 'ERR_INVALID_ARG_TYPE' });
    } finally {
      await manager.shutdown();
    }
  });
});
