'use strict';
// Pool task control: cancellation and timeouts that stop a running task (its
// worker is killed and replaced), lazy imap over iterables and async iterables
// with buffersize, maxRetries, maxMemoryPerChild and stats().
const assert = require('node:assert/strict');
const { runScenario, fixture } = require('./helpers/run_node');

const main = fixture('pool_tasks.js');
const portable = process.env.PMP_BACKEND === 'portable';

function scenario(method, name) {
  return runScenario(main, method, name);
}

for (const method of ['forkserver', 'fork', 'spawn']) {
  describe(`Pool task control under ${method}`, function () {
    this.timeout(90000);
    before(function () {
      if (portable && method !== 'spawn') this.skip(); // fork and forkserver are posix start methods
    });

    it('aborting a running task rejects it with AbortError at once, kills and replaces its worker, and spares the other task', async () => {
      const r = await scenario(method, 'abortRunning');
      assert.deepEqual(r.result.error, {
        name: 'AbortError',
        code: 'ABORT_ERR',
        message: 'The operation was aborted',
        cause: 'user gave up',
      });
      assert.ok(r.ms < 1000, `rejected after ${r.ms} ms`);
      assert.equal(typeof r.other, 'number', 'the task on the other worker completed');
      assert.equal(r.after, 42, 'the pool carries on');
      assert.equal(r.pidsAfter.length, 2, 'the killed worker was replaced');
    });

    it('aborting a queued task removes it: it never runs, and the busy worker is not killed', async () => {
      const r = await scenario(method, 'abortQueued');
      assert.equal(r.result.error.name, 'AbortError');
      assert.equal(r.queuedBefore, 1);
      assert.equal(r.queuedAfter, 0);
      assert.equal(r.ran, false);
      assert.equal(r.sameWorker, true);
    });

    it('a signal aborted before submission rejects at once and runs nothing', async () => {
      const r = await scenario(method, 'alreadyAborted');
      assert.equal(r.result.error.name, 'AbortError');
      assert.equal(r.result.error.code, 'ABORT_ERR');
      assert.equal(r.result.error.cause, 'Error: too late');
      assert.equal(r.ran, false);
    });

    it('a running task past its timeout fails with TimeoutError ERR_TASK_TIMEOUT; its worker is replaced; a task within it is unaffected', async () => {
      const r = await scenario(method, 'timeoutRunning');
      assert.equal(r.result.error.name, 'TimeoutError');
      assert.equal(r.result.error.code, 'ERR_TASK_TIMEOUT');
      assert.match(r.result.error.message, /timeout of 300 ms.*killed and replaced/);
      assert.ok(r.ms >= 300 && r.ms < 2000, `timed out after ${r.ms} ms`);
      assert.equal(r.after, 8);
      assert.deepEqual(r.quick, { value: 10 });
    });

    it('map with a timeout fails with ERR_TASK_TIMEOUT when one chunk runs too long; the pool carries on', async () => {
      const r = await scenario(method, 'mapTimeout');
      assert.equal(r.result.error.code, 'ERR_TASK_TIMEOUT');
      assert.deepEqual(r.after, [2, 4, 6]);
    });

    it('aborting a map stops its running chunks and drops the queued ones', async () => {
      const r = await scenario(method, 'mapAbort');
      assert.equal(r.result.error.name, 'AbortError');
      assert.deepEqual(r.after, [2, 4]);
    });

    it('a NaN or string timeout, or a signal that is not an AbortSignal, throws ERR_INVALID_ARG_TYPE and the pool stays usable', async () => {
      const r = await scenario(method, 'badOptions');
      for (const label of ['NaN', 'abc', 'signal']) {
        assert.equal(r.errors[label]?.code, 'ERR_INVALID_ARG_TYPE', `${label}: ${JSON.stringify(r.errors[label])}`);
      }
      assert.equal(r.after, 16);
    });

    it('imap over an endless generator yields at once, reads no further than buffersize ahead, and closes the generator on break', async () => {
      const r = await scenario(method, 'imapLazy');
      assert.deepEqual(r.got, [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
      assert.ok(r.read <= 10 + 4, `read ${r.read} items for 10 results with buffersize 4`);
      assert.equal(r.cleanedUp, true, "the generator's finally block ran");
    });

    it('imap over a 10^9-item generator without buffersize yields its first result at once, having read only a bounded part', async () => {
      const r = await scenario(method, 'imapDefaultReadAhead');
      assert.equal(r.first, 0);
      assert.ok(r.firstMs < 5000, `first result after ${r.firstMs} ms`);
      assert.ok(r.read <= 1024 + 1, `read ${r.read} items before the first result`);
    });

    it('imapUnordered with buffersize 3 never has more than 3 items read and not consumed', async () => {
      const r = await scenario(method, 'imapBuffersize');
      assert.deepEqual(
        r.got,
        Array.from({ length: 30 }, (_, i) => i * 2),
      );
      // The generator counts against the loop body, which sees a result just after
      // the pool has been told it was taken (and has read the next item): 3 + 1.
      assert.ok(r.most <= 4, `at most ${r.most} read ahead of the loop body`);
    });

    it('imap reads an async iterable, in order, chunk by chunk', async () => {
      const r = await scenario(method, 'imapAsyncIterable');
      assert.deepEqual(
        r.got,
        Array.from({ length: 12 }, (_, i) => i * 2),
      );
    });

    it("imap yields the results before an input error, then throws the input's error", async () => {
      const r = await scenario(method, 'imapInputError');
      assert.deepEqual(r.got, [2, 4, 6]);
      assert.equal(r.error.message, 'input broke');
    });

    it('aborting an imap ends the iteration with AbortError; the pool carries on', async () => {
      const r = await scenario(method, 'imapAbort');
      assert.deepEqual(r.got, [2, 4]);
      assert.equal(r.error.name, 'AbortError');
      assert.equal(r.after, 6);
    });

    it('an imap still reading its input when the pool is closed gets all its results, then join() resolves', async () => {
      const r = await scenario(method, 'imapAfterClose');
      assert.deepEqual(r.got, [0, 2, 4, 6, 8, 10, 12, 14]);
    });

    it('maxRetries: a task whose worker died runs again and succeeds', async () => {
      const r = await scenario(method, 'retries');
      assert.deepEqual(r.retried, { value: 'ran again' });
    });

    it('without maxRetries a task whose worker died fails with WorkerLostError', async () => {
      const r = await scenario(method, 'noRetries');
      assert.equal(r.result.error.name, 'WorkerLostError');
    });

    it('maxMemoryPerChild: a worker past the limit is replaced after its task', async () => {
      const r = await scenario(method, 'memoryLimit');
      assert.equal(r.replaced, true);
      assert.equal(r.firstGone, true);
    });

    it('onStart runs when the pool hands the task to a worker: not while it is queued, never for an aborted one', async () => {
      const r = await scenario(method, 'onStart');
      assert.deepEqual(r.early, ['busy']);
      assert.deepEqual(r.events, ['busy', 'queued']);
    });

    it('abortRunning false: aborting a running task does nothing (it completes, its worker lives); a queued one is still removed', async () => {
      const r = await scenario(method, 'abortRunningFalse');
      assert.equal(typeof r.started.value, 'number', JSON.stringify(r.started));
      assert.equal(r.waiting.error.name, 'AbortError');
      assert.deepEqual(r.pidsAfter, r.pidsBefore);
    });

    it('tasks a signal may still remove wait in the pool queue: at most one is handed to a busy worker', async () => {
      const r = await scenario(method, 'signalQueueDepth');
      assert.deepEqual(r.started, [1]);
      assert.equal(r.queued, 2);
    });

    it("a chunk's result is not held back by a slow chunk queued after it on the same worker", async () => {
      const r = await scenario(method, 'fastResultBeforeSlowChunk');
      assert.equal(typeof r.first, 'number', 'the first chunk (10 ms) came back');
      assert.ok(r.firstMs < 1500, `first result after ${r.firstMs} ms (the slow chunk takes 2000)`);
    });

    it('stats() counts processes, busy, queued, completed and failed tasks', async () => {
      const r = await scenario(method, 'stats');
      assert.deepEqual(r.stats, { processes: 2, busy: 0, queued: 0, completed: 3, failed: 1 });
    });
  });
}
