'use strict';
// What crosses a process boundary, and how (lib/reduction.ts): every library
// object through every channel either arrives working, referring to the same
// OS object, or is refused with ERR_UNCLONABLE naming the object and the
// channel, leaving the channel usable. Never a silent copy.
const assert = require('node:assert/strict');
const {
  Queue,
  JoinableQueue,
  SimpleQueue,
  Pipe,
  Pool,
  Manager,
  SharedMemory,
  Value,
  RawValue,
  Array: SharedArray,
  RawArray,
  Lock,
  RLock,
  Semaphore,
  BoundedSemaphore,
  Condition,
  Event,
  Barrier,
  Empty,
} = require('..');
const { runNode, fixture } = require('./helpers/run_node');
const { portable, METHOD } = require('./helpers/children');
const targets = require('./fixtures/reduction_targets');

// A byte of a segment, written and read through one SharedMemory object: .buf under posix,
// write()/read() under portable (which maps nothing).
function pokeByte(shm, offset, byte) {
  if (portable) shm.write(Buffer.from([byte]), offset);
  else shm.buf[offset] = byte;
}
function peekByte(shm, offset) {
  return portable ? shm.read(offset, 1)[0] : shm.buf[offset];
}

function semaphoreOf(Class) {
  return {
    make: () => new Class(2),
    same(original, received) {
      original.acquireSync();
      assert.equal(received.getValue(), 1, 'a permit taken here is missing there');
      original.release();
    },
  };
}

// Each library object: how to make one, how to show that `received` is the
// same OS object as `original` (a change through one is seen through the
// other), and how to release it. `needsFds`: reached only through an fd.
const objects = {
  Lock: {
    make: () => new Lock(),
    same(original, received) {
      original.acquireSync();
      assert.equal(received.acquireSync({ block: false }), false, 'the lock held here is not held there');
      original.release();
      assert.equal(received.acquireSync({ block: false }), true);
      received.release();
    },
  },
  RLock: {
    make: () => new RLock(),
    same(original, received) {
      original.acquireSync();
      received.release(); // held through the other object: this process owns it there too
      assert.throws(() => original.release(), { code: 'ERR_LOCK_NOT_OWNED' });
    },
  },
  Semaphore: semaphoreOf(Semaphore),
  BoundedSemaphore: semaphoreOf(BoundedSemaphore),
  Condition: {
    make: () => new Condition(new Lock()),
    same(original, received) {
      original.acquireSync();
      assert.equal(received.acquireSync({ block: false }), false, "the condition's lock held here is not held there");
      original.release();
    },
  },
  Event: {
    make: () => new Event(),
    same(original, received) {
      original.set();
      assert.equal(received.isSet(), true);
    },
  },
  Barrier: {
    make: () => new Barrier(2),
    same(original, received) {
      original.abort();
      assert.equal(received.broken, true);
    },
  },
  Queue: {
    make: () => new Queue(),
    same(original, received) {
      original.putSync('through the ring');
      assert.equal(received.getSync({ timeout: 5000 }), 'through the ring');
    },
    close: (q) => q.close(),
  },
  JoinableQueue: {
    make: () => new JoinableQueue(),
    same(original, received) {
      original.putSync(1);
      received.getSync({ timeout: 5000 });
      received.taskDone();
      original.joinSync();
    },
    close: (q) => q.close(),
  },
  SimpleQueue: {
    make: () => new SimpleQueue(),
    same(original, received) {
      original.putSync(2);
      assert.equal(received.getSync({ timeout: 5000 }), 2);
    },
    close: (q) => q.close(),
  },
  Connection: {
    make() {
      const [end, other] = Pipe();
      end.other = other; // own enumerable: not sent (only the reduced form is)
      return end;
    },
    same(original, received) {
      original.other.sendSync('to the shared end');
      assert.equal(received.recvSync(), 'to the shared end');
    },
    close(end) {
      end.other.close();
      end.close();
    },
  },
  SharedMemory: {
    make: () => new SharedMemory({ create: true, size: 16 }),
    same(original, received) {
      pokeByte(received, 3, 99);
      assert.equal(peekByte(original, 3), 99);
      received.close();
    },
    close(shm) {
      shm.close();
      shm.unlink();
    },
    byName: true,
  },
  Value: {
    make: () => Value('i', 1),
    same(original, received) {
      received.value = 42;
      assert.equal(original.value, 42);
    },
  },
  RawValue: {
    make: () => RawValue('d', 0),
    same(original, received) {
      received.value = 2.5;
      assert.equal(original.value, 2.5);
    },
  },
  Array: {
    make: () => SharedArray('i', [1, 2, 3]),
    same(original, received) {
      received[1] = 7;
      assert.equal(original[1], 7);
    },
  },
  RawArray: {
    make: () => RawArray('d', 2),
    same(original, received) {
      received[0] = 0.5;
      assert.equal(original[0], 0.5);
    },
  },
};

// The name the refusal gives each object (a Value is a SharedValue...).
const refusedAs = { Value: 'SharedValue', RawValue: 'SharedValue', Array: 'SharedArray', RawArray: 'SharedArray' };

function closeObject(name, object) {
  objects[name].close?.(object);
}

async function withPool(use) {
  const pool = new Pool({ processes: 1, context: METHOD });
  try {
    await use(pool);
  } finally {
    pool.close();
    await pool.join();
  }
}

async function withManager(use) {
  const manager = await Manager({ context: METHOD });
  try {
    await use(manager);
  } finally {
    await manager.shutdown();
  }
}

describe('library objects through a Queue', () => {
  for (const [name, spec] of Object.entries(objects)) {
    if (spec.byName) {
      it(`a ${name} put in a Queue arrives as the same OS object (reached by name)`, async () => {
        const q = new Queue();
        const original = spec.make();
        await q.put(original);
        spec.same(original, await q.get({ timeout: 5000 }));
        closeObject(name, original);
        q.close();
      });
    } else {
      it(`a ${name} put in a Queue is refused with ERR_UNCLONABLE naming it and the Queue; the queue stays usable`, async () => {
        const q = new Queue();
        const original = spec.make();
        await assert.rejects(q.put({ inside: [original] }), (err) => {
          assert.equal(err.code, 'ERR_UNCLONABLE');
          assert.match(
            err.message,
            new RegExp(`^an? ${refusedAs[name] ?? name} cannot be put in a Queue: .*Process argument`),
          );
          return true;
        });
        assert.throws(() => q.putSync(original), { code: 'ERR_UNCLONABLE' });
        await q.put('still usable');
        assert.equal(await q.get({ timeout: 5000 }), 'still usable');
        assert.equal(q.empty(), true);
        closeObject(name, original);
        q.close();
      });
    }
  }
});

describe('library objects through a duplex Pipe (a unix socket: fds pass with SCM_RIGHTS)', () => {
  for (const [name, spec] of Object.entries(objects)) {
    it(`a ${name} sent through a duplex Pipe arrives as the same OS object`, async () => {
      const [a, b] = Pipe();
      const original = spec.make();
      await a.send({ nested: new Map([['object', original]]) });
      spec.same(original, (await b.recv()).nested.get('object'));
      closeObject(name, original);
      a.close();
      b.close();
    });
  }

  it('sendSync()/recvSync() pass an object the same way as send()/recv()', () => {
    const [a, b] = Pipe();
    const event = new Event();
    b.sendSync([event, 'after']);
    const [received, text] = a.recvSync();
    event.set();
    assert.equal(received.isSet(), true);
    assert.equal(text, 'after');
    a.close();
    b.close();
  });

  it('messages after one carrying fds arrive in order', async () => {
    const [a, b] = Pipe();
    await a.send('first');
    await a.send(new Lock());
    await a.send('third');
    assert.equal(await b.recv(), 'first');
    assert.ok((await b.recv()) instanceof Lock);
    assert.equal(await b.recv(), 'third');
    a.close();
    b.close();
  });
});

describe('messages that carry fds: error paths', function () {
  before(function () {
    if (portable) this.skip(); // fds through a unix socket (SCM_RIGHTS): posix internals
  });

  it('bytes that look like a message with fds, but have none behind them, fail recv() with ERR_INVALID_MESSAGE', () => {
    const [a, b] = Pipe();
    a.sendBytesSync(Buffer.from([3, 0xf6])); // tag 3: fds follow; 0xf6: null
    assert.throws(() => b.recvSync(), {
      code: 'ERR_INVALID_MESSAGE',
      message: /did not follow within 1000 ms.*recvBytes/,
    });
    a.sendSync('still usable');
    assert.equal(b.recvSync(), 'still usable');
    a.close();
    b.close();
  });

  it('such bytes followed by the end of the connection fail recv() with EOFError', () => {
    const [a, b] = Pipe();
    a.sendBytesSync(Buffer.from([3, 0xf6]));
    a.close();
    assert.throws(() => b.recvSync(), { name: 'EOFError' });
    b.close();
  });

  it('a reduced object of a kind this process cannot rebuild fails with ERR_INVALID_MESSAGE naming the kind', () => {
    const { rebuild } = require('../dist/reduction');
    assert.throws(() => rebuild({ kind: 'NoSuchKind', state: null }), {
      code: 'ERR_INVALID_MESSAGE',
      message: /'NoSuchKind'.*not loaded/,
    });
  });
});

describe('library objects through a one-way Pipe (pipe(2): no fds)', () => {
  for (const [name, spec] of Object.entries(objects)) {
    if (spec.byName) {
      it(`a ${name} sent through Pipe(false) arrives as the same OS object (reached by name)`, () => {
        const [r, w] = Pipe(false);
        const original = spec.make();
        w.sendSync(original);
        spec.same(original, r.recvSync());
        closeObject(name, original);
        r.close();
        w.close();
      });
    } else {
      it(`a ${name} sent through Pipe(false) is refused with ERR_UNCLONABLE naming it and the pipe; the pipe stays usable`, () => {
        const [r, w] = Pipe(false);
        const original = spec.make();
        assert.throws(() => w.send(original), {
          code: 'ERR_UNCLONABLE',
          message: new RegExp(`^an? ${refusedAs[name] ?? name} cannot be sent through a one-way Pipe`),
        });
        w.sendSync('still usable');
        assert.equal(r.recvSync(), 'still usable');
        assert.equal(r.pollSync(0), false);
        closeObject(name, original);
        r.close();
        w.close();
      });
    }
  }
});

describe('library objects as Pool task arguments', function () {
  this.timeout(30000);
  let pool;
  before(() => {
    pool = new Pool({ processes: 1, context: METHOD });
  });
  after(async () => {
    pool.close();
    await pool.join();
  });

  it("a SharedMemory passed to a task is the same segment there: the worker's write is seen here", async () => {
    const shm = new SharedMemory({ create: true, size: 8 });
    await pool.apply(targets.writeFirstByte, [shm]);
    assert.equal(peekByte(shm, 0), 123);
    shm.close();
    shm.unlink();
  });

  for (const [name, spec] of Object.entries(objects)) {
    if (spec.byName) continue;
    it(`a ${name} passed to a task fails that task with ERR_UNCLONABLE naming it; the pool carries on`, async () => {
      const original = spec.make();
      await assert.rejects(pool.apply(targets.identity, [original]), {
        code: 'ERR_UNCLONABLE',
        message: new RegExp(`^an? ${refusedAs[name] ?? name} cannot be passed as a Pool task argument: .*initargs`),
      });
      assert.equal(await pool.apply(targets.plusOne, [1]), 2);
      closeObject(name, original);
    });
  }

  it('a Lock returned from a task fails that task with ERR_UNCLONABLE naming it', async () => {
    await assert.rejects(pool.apply(targets.returnLock), {
      code: 'ERR_UNCLONABLE',
      message: /the task's result cannot be sent back to the pool: a Lock cannot be returned from a Pool task/,
    });
  });
});

describe('manager proxies across every channel', function () {
  this.timeout(30000);
  let manager;
  before(async () => {
    manager = await Manager({ context: METHOD });
  });
  after(async () => {
    await manager.shutdown();
  });

  async function sameDict(original, received) {
    await received.set('k', 'written there');
    assert.equal(await original.get('k'), 'written there');
  }

  it('a Lock stored in a managed dict is refused with ERR_UNCLONABLE naming the Manager; the proxy stays usable', async () => {
    const dict = await manager.dict();
    await assert.rejects(dict.set('lock', new Lock()), {
      code: 'ERR_UNCLONABLE',
      message: /^a Lock cannot be stored in or passed to a Manager/,
    });
    await dict.set('n', 1);
    assert.equal(await dict.get('n'), 1);
  });

  it('a dict proxy put in a Queue refers to the same managed dict', async () => {
    const q = new Queue();
    const dict = await manager.dict();
    await q.put(dict);
    await sameDict(dict, await q.get({ timeout: 5000 }));
    q.close();
  });

  it('a dict proxy sent through Pipe(false) refers to the same managed dict', async () => {
    const [r, w] = Pipe(false);
    const dict = await manager.dict();
    await w.send(dict);
    await sameDict(dict, await r.recv());
    r.close();
    w.close();
  });

  it('a dict proxy passed to a Pool task refers to the same managed dict', async () => {
    await withPool(async (pool) => {
      const dict = await manager.dict();
      await pool.apply(targets.setKeyFromWorker, [dict]);
      assert.equal(await dict.get('k'), 'from the worker');
    });
  });
});

describe('errors cross as themselves', () => {
  const { failure } = targets;

  function assertSameFailure(got) {
    assert.ok(got instanceof Error);
    assert.equal(got.message, 'outer');
    assert.equal(got.code, 'E_OUTER');
    assert.deepEqual(got.detail, { attempt: 3 });
    assert.ok(got.cause instanceof TypeError, 'the cause is rebuilt as its own class');
    assert.equal(got.cause.message, 'inner');
    assert.match(got.stack, /^Error: outer\n\s+at /);
  }

  it('an Error with code and cause put in a Queue arrives with class, message, stack, code, cause and own properties', async () => {
    const q = new Queue();
    await q.put(failure());
    assertSameFailure(await q.get({ timeout: 5000 }));
    q.close();
  });

  it('an Error with code and cause sent through a Pipe arrives with all of them', async () => {
    const [a, b] = Pipe();
    await a.send(failure());
    assertSameFailure(await b.recv());
    a.close();
    b.close();
  });

  it('an AggregateError arrives as an AggregateError with its errors rebuilt', () => {
    const q = new Queue();
    q.putSync(new AggregateError([new RangeError('one'), new Error('two')], 'both'));
    const got = q.getSync({ timeout: 5000 });
    assert.ok(got instanceof AggregateError);
    assert.equal(got.message, 'both');
    assert.ok(got.errors[0] instanceof RangeError);
    assert.equal(got.errors[1].message, 'two');
    q.close();
  });

  it("a library error arrives as the library's class; an unknown class as an Error named after it", () => {
    class QuotaExceeded extends Error {}
    const q = new Queue();
    q.putSync([new Empty('nothing'), new QuotaExceeded('too much')]);
    const [empty, quota] = q.getSync({ timeout: 5000 });
    assert.ok(empty instanceof Empty);
    assert.equal(empty.name, 'Empty');
    assert.equal(quota.name, 'QuotaExceeded');
    assert.equal(Object.getPrototypeOf(quota), Error.prototype);
    q.close();
  });

  it('a cause that is not an Error crosses as a value', () => {
    const q = new Queue();
    q.putSync(new Error('with data', { cause: { retry: true } }));
    assert.deepEqual(q.getSync({ timeout: 5000 }).cause, { retry: true });
    q.close();
  });

  it('an Error holding something unclonable is refused with ERR_UNCLONABLE; the queue stays usable', () => {
    const q = new Queue();
    const err = new Error('holds a lock');
    err.lock = new Lock();
    assert.throws(() => q.putSync(err), { code: 'ERR_UNCLONABLE', message: /a Lock cannot be put in a Queue/ });
    q.putSync(1);
    assert.equal(q.getSync({ timeout: 5000 }), 1);
    q.close();
  });

  it('a Pool task that throws an Error with code and cause fails with all of them', async function () {
    this.timeout(30000);
    await withPool(async (pool) => {
      await assert.rejects(pool.apply(targets.throwFailure), (err) => {
        assertSameFailure(err);
        return true;
      });
    });
  });

  it('an Error with code and cause stored in a Manager comes back with all of them', async function () {
    this.timeout(30000);
    await withManager(async (manager) => {
      const dict = await manager.dict();
      await dict.set('failure', failure());
      assertSameFailure(await dict.get('failure'));
    });
  });

  it('an error thrown by a managed object arrives with its class and code', async function () {
    this.timeout(30000);
    await withManager(async (manager) => {
      const list = await manager.list();
      await assert.rejects(list.pop(), {
        name: 'Error',
        code: 'ERR_INDEX_OUT_OF_RANGE',
        message: /pop from empty list/,
      });
    });
  });
});

describe('library objects as Process arguments under forkserver and spawn', function () {
  this.timeout(60000);
  for (const method of portable ? ['spawn'] : ['forkserver', 'spawn']) {
    it(`${method}: objects nested in a Map, a Set and an Error reach the child as the same OS objects`, async () => {
      const { code, stdout, stderr } = await runNode([fixture('crossing_start_methods.js'), method], {
        timeout: 50000,
      });
      assert.equal(code, 0, stderr);
      assert.match(stdout, /lock held in the child: true/);
      assert.match(stdout, /value 42 raw 7 array 9/);
      assert.match(stdout, /shm from the child/);
      assert.match(stdout, /dict from the child/);
      assert.match(stdout, /error E_OUTER inner Lock/);
      assert.match(stdout, /exit codes 0,0/);
    });
  }
});
