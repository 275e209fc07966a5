// Queues and Pipe ends crossing to children started with the spawn start
// method, the one both backends have: items and messages arrive, a child's
// death closes what it held, an end closed by the parent right after start()
// still reaches the child.
'use strict';
const assert = require('node:assert/strict');
const { getContext, Queue, JoinableQueue, Pipe, EOFError } = require('..');
const { putItems, finishTasks, doubler, holdForever } = require('./fixtures/queue_pipe_targets');

const WAIT_MS = 20000;

/** Fails loudly naming the child and what was awaited, instead of hanging the suite. */
function within(promise, what, child) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} (child pid ${child?.pid}) within ${WAIT_MS} ms`)), WAIT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe('Queue and Pipe with spawned children', function () {
  this.timeout(60000);
  let spawn;
  const started = [];

  before(function () {
    try {
      require('../dist/backend').kernels().startMethod('spawn');
    } catch {
      this.skip(); // this backend cannot start children yet (the portable Process is merged separately)
    }
    spawn = getContext('spawn');
  });

  afterEach(async () => {
    for (const child of started.splice(0)) {
      if (child.exitcode === null) child.kill();
      await within(child.join(), 'reaping', child);
    }
  });

  function start(target, args) {
    const child = new spawn.Process({ target, args });
    child.start();
    started.push(child);
    return child;
  }

  it('items put by a child arrive in the parent in order', async () => {
    const q = new Queue();
    const child = start(putItems, [q, 50]);
    for (let i = 0; i < 50; i++) {
      assert.deepEqual(await within(q.get(), `item ${i}`, child), { i, text: `item ${i}` });
    }
    assert.deepEqual(await within(q.get(), 'the last item', child), { done: child.pid });
  });

  it('join() resolves once a child has marked every item done', async () => {
    const q = new JoinableQueue();
    for (let i = 0; i < 20; i++) await q.put(i);
    const child = start(finishTasks, [q, 20]);
    await within(q.join(), 'join() of 20 tasks', child);
    assert.equal(q.qsize(), 0);
  });

  it('a Pipe end closed by the parent right after start() still works in the child; EOF once it exits', async () => {
    const [mine, theirs] = Pipe();
    const child = start(doubler, [theirs]);
    theirs.close(); // the child has its own copy
    for (const n of [1, 2, 21]) {
      await mine.send(n);
      assert.equal(await within(mine.recv(), `the double of ${n}`, child), n * 2);
    }
    mine.close();
    await within(child.join(), 'the child ending after EOF', child);
    assert.equal(child.exitcode, 0);
  });

  it('recv() throws EOFError once the only holder of the other end is killed', async () => {
    const [mine, theirs] = Pipe();
    const child = start(holdForever, [theirs]);
    theirs.close();
    assert.equal(await within(mine.recv(), 'the child holding its end', child), 'holding');
    child.kill();
    await within(
      assert.rejects(mine.recv(), (err) => err instanceof EOFError),
      'EOFError after SIGKILL',
      child,
    );
    mine.close();
  });
});
