'use strict';
// Pool and AsyncResult under every start method: each scenario runs in its own
// Node process (test/fixtures/pool_main.js) with a deadline, and reports JSON.
const assert = require('node:assert/strict');
const { runScenario, fixture } = require('./helpers/run_node');

const main = fixture('pool_main.js');
const portable = process.env.PMP_BACKEND === 'portable';

function scenario(method, name) {
  return runScenario(main, method, name);
}

for (const method of ['fork', 'forkserver', 'spawn']) {
  describe(`Pool under the ${method} start method`, function () {
    this.timeout(90000);
    before(function () {
      if (portable && method !== 'spawn') this.skip(); // fork and forkserver are posix start methods
    });

    it('map equals Array.prototype.map for empty, small, generator and 100,000-item inputs at several chunksizes; apply, starmap, imap, imapUnordered', async () => {
      const r = await scenario(method, 'results');
      assert.equal(r.apply, 5);
      assert.deepEqual(r.empty, []);
      assert.deepEqual(r.small, [2, 4, 6]);
      assert.deepEqual(r.generator, [10, 12]);
      assert.deepEqual(r.big, { undefined: true, 7: true, 1000: true, 100000: true });
      assert.equal(r.chunksOf1, true);
      assert.deepEqual(r.starmap, [3, 7, 11]);
      assert.deepEqual(r.imap, [2, 4, 6, 8, 10]);
      assert.deepEqual(r.imapUnordered, [2, 4, 6, 8, 10]);
      assert.deepEqual(r.imapEmpty, []);
    });

    it('chunks of plain numbers (packed in transit) come back as exact numbers in plain arrays; mixed chunks are untouched', async () => {
      const r = await scenario(method, 'numberChunks');
      assert.equal(r.isArray, true);
      assert.equal(r.echoedExactly, true, '-0, NaN, the infinities and subnormals survive the trip');
      assert.deepEqual(r.taskSees, [
        '-0',
        '0',
        'NaN',
        'Infinity',
        '-Infinity',
        '0.1',
        '-1.5e+300',
        '9007199254740992',
        '5e-324',
      ]);
      assert.deepEqual(r.mixedResults, ['text 0', 1, 2, 'text 3']);
      assert.deepEqual(r.mixedInput, [38, 39, 'last']);
      assert.equal(r.imap, true);
      assert.equal(r.imapUnordered, true);
    });

    it('chunksize 1 (one-item chunks sent and answered in runs): results in order, an unclonable result fails only its task, a worker killed inside a run loses nothing with maxRetries', async () => {
      const r = await scenario(method, 'runs');
      assert.equal(r.mixed, true, 'numbers and strings, in order');
      assert.equal(r.unclonable?.code, 'ERR_UNCLONABLE');
      assert.equal(r.yielded, true, 'imap yields the 70 results before the unclonable one');
      assert.equal(r.killed, true, 'the task killed its worker once');
      assert.equal(r.retried, true, 'every task of the run, before and after the killed one, gave its result');
      assert.equal(r.after, true);
    });

    it('a large map makes its chunks as they are dispatched: all counted as queued; failed, aborted or terminated half-way, nothing stays outstanding', async () => {
      const r = await scenario(method, 'lazyChunks');
      assert.ok(r.queuedAtStart > 1024 && r.queuedAtStart <= 5000, `queued at start: ${r.queuedAtStart}`);
      assert.equal(r.doubled, true);
      assert.equal(r.failed?.message, 'bad item 3');
      assert.equal(r.aborted?.name, 'AbortError');
      assert.equal(r.queuedAfterAbort, 0);
      assert.equal(r.after, true, 'the pool carries on, and join() returned');
      assert.equal(r.terminated?.code, 'ERR_POOL_TERMINATED');
    });

    it('AsyncResult: get(timeout) throws TimeoutError, wait/ready/successful, callbacks run before get resolves', async () => {
      const r = await scenario(method, 'asyncResults');
      assert.equal(r.early.ready, false);
      assert.equal(r.early.successful.code, 'ERR_RESULT_NOT_READY');
      assert.equal(r.timeout.isTimeout, true);
      assert.equal(r.timeout.name, 'TimeoutError');
      assert.equal(r.value, 42);
      assert.equal(r.ready, true);
      assert.equal(r.successful, true);
      assert.equal(r.error.name, 'CustomError');
      assert.equal(r.r2successful, false);
      assert.deepEqual(r.map, [2, 4, 6]);
      assert.equal(r.waitTimeout, false, 'wait(20) on a 500 ms task returns before it is ready');
      assert.deepEqual(r.order.map((o) => o[0]).sort(), ['callback', 'errorCallback', 'mapCallback']);
      assert.deepEqual(
        r.order.find((o) => o[0] === 'callback'),
        ['callback', 42],
      );
    });

    it('map reports onProgress(done, total) per chunk; starmapAsync', async () => {
      const r = await scenario(method, 'starmapAsyncAndProgress');
      assert.deepEqual(
        r.values,
        Array.from({ length: 20 }, (_, i) => i * 2),
      );
      assert.deepEqual(r.progress, [
        [5, 20],
        [10, 20],
        [15, 20],
        [20, 20],
      ]);
      assert.deepEqual(r.star, [2, 4]);
    });

    it('errors: worker errors keep type, name, message, code and the worker stack; input, unclonable and misuse errors', async () => {
      const r = await scenario(method, 'errors');
      assert.equal(r.range.ctor, 'RangeError');
      assert.equal(r.range.message, 'bad item 3');
      assert.match(r.range.stack, /at throwsRange .*pool_main\.js/);
      assert.equal(r.custom.name, 'CustomError');
      assert.equal(r.custom.code, 'E_CUSTOM');
      assert.match(r.custom.stack, /^CustomError: from the worker\n\s+at throwsCustom/);
      assert.equal(r.mapError.message, 'bad item 3');
      assert.deepEqual(r.imapError.got, [1, 2]);
      assert.equal(r.imapError.e.message, 'bad item 3');
      assert.deepEqual(
        r.imapFailsBeforeEarlierItem.got,
        ['slow'],
        'imap yields the earlier result before the later failure',
      );
      assert.equal(r.imapFailsBeforeEarlierItem.e.message, 'item 1 failed first');
      assert.equal(r.iterableError.message, 'input broke');
      assert.equal(r.imapIterableError.message, 'input broke');
      assert.equal(r.unclonableArg.code, 'ERR_UNCLONABLE');
      assert.equal(r.unclonableResult.code, 'ERR_UNCLONABLE');
      assert.equal(r.notAFunction.code, 'ERR_INVALID_ARG_TYPE');
      assert.equal(r.badChunksize.code, 'ERR_INVALID_ARG_VALUE');
      assert.equal(r.stillWorks, 2);
      assert.equal(r.joinWhileRunning.code, 'ERR_POOL_RUNNING');
      assert.equal(r.afterClose.code, 'ERR_POOL_NOT_RUNNING');
      assert.equal(r.applyAsyncAfterClose.code, 'ERR_POOL_NOT_RUNNING');
      for (const key of ['zero', 'negative', 'maxtasks', 'maxtasksFraction'])
        assert.equal(r[key].code, 'ERR_INVALID_ARG_VALUE', key);
      assert.match(r.zero.message, /at least 1/);
      assert.equal(
        r.positional.code,
        'ERR_INVALID_ARG_TYPE',
        "Python's positional Pool(2, ...) is refused, not half-read",
      );
      assert.match(r.positional.message, /one object/);
    });

    it(
      method === 'fork'
        ? 'runs closures, also ones created after the workers started (idle workers re-fork)'
        : 'refuses closures with ERR_NOT_IMPORTABLE and runs exported functions',
      async () => {
        const r = await scenario(method, 'closures');
        if (method === 'fork') {
          assert.equal(r.first, 'ok');
          assert.deepEqual(r.value, [7, 14, 21]);
          assert.deepEqual(r.second, [8, 9]);
        } else {
          assert.equal(r.first.code, 'ERR_NOT_IMPORTABLE');
          assert.equal(r.second.code, 'ERR_NOT_IMPORTABLE');
        }
        assert.deepEqual(r.exported, [8]);
      },
    );

    it('a worker SIGKILLed mid-task fails that task with WorkerLostError (pid, signal); the rest complete and the worker is replaced', async () => {
      const r = await scenario(method, 'workerLost');
      assert.equal(r.lost.isLost, true);
      assert.equal(r.lost.pid, r.victimPid);
      assert.equal(r.lost.signal, 'SIGKILL');
      assert.match(r.lost.message, new RegExp(`${r.victimPid}.*SIGKILL`));
      assert.deepEqual(r.results, [0, 2, 4, 6, 8, 10, 12, 14]);
      assert.equal(r.replaced, true);
      assert.equal(r.victimGone, true);
      assert.equal(r.exitLost.isLost, true);
      assert.equal(r.exitLost.exitCode, 3, 'process.exit(3) in a task');
      assert.equal(r.stillFine, 42);
    });

    it('terminate() with 10,000 queued tasks is prompt and fails them with ERR_POOL_TERMINATED', async () => {
      const r = await scenario(method, 'terminate');
      assert.ok(r.elapsed < 3000, `terminate + join took ${r.elapsed} ms`);
      assert.equal(r.last, 'ERR_POOL_TERMINATED');
      assert.equal(r.pids, 0);
    });

    it('terminate() stops workers spinning in synchronous code', async () => {
      const r = await scenario(method, 'terminateBusy');
      assert.ok(r.elapsed < 3000, `terminate + join took ${r.elapsed} ms`);
      assert.equal(r.error, 'ERR_POOL_TERMINATED');
    });

    it('[Symbol.asyncDispose] terminates the pool and its workers are gone', async () => {
      const r = await scenario(method, 'dispose');
      assert.deepEqual(r.alive, []);
      assert.equal(r.pending, 'ERR_POOL_TERMINATED');
    });

    it('initializer(...initargs) runs once in each worker', async () => {
      const r = await scenario(method, 'initializer');
      assert.deepEqual(r.initialised, [1]);
      assert.deepEqual(r.tags, ['hello']);
    });

    it('an initializer that throws fails the waiting tasks with ERR_POOL_WORKER_START instead of hanging', async () => {
      const r = await scenario(method, 'initializerThrows');
      assert.equal(r.error.code, 'ERR_POOL_WORKER_START');
    });

    if (method !== 'spawn') {
      it('maxtasksperchild recycles workers; each new worker runs the initializer once', async () => {
        const r = await scenario(method, 'maxtasks');
        assert.ok(r.pids >= 5, `10 applies with maxtasksperchild 2 used ${r.pids} workers`);
        assert.equal(r.initialisedOnce, true);
        assert.deepEqual(r.tags, ['tagged']);
        assert.equal(r.mapped, 50);
      });
    }

    it('a net.Socket in args arrives in the worker as a working socket; passFd hands over a raw fd', async function () {
      if (portable) this.skip(); // fd passing is posix's (SCM_RIGHTS); the portable refusal is tested below
      const r = await scenario(method, 'sockets');
      assert.deepEqual(r.replies, ['echo:hi1', 'echo:hi2', 'echo:hi3']);
      assert.equal(r.size, 12);
    });

    it('under portable, a socket in args and passFd throw ERR_BACKEND_UNSUPPORTED and the pool stays usable', async function () {
      if (!portable) this.skip(); // posix passes them (the test above)
      const r = await scenario(method, 'socketsUnsupported');
      assert.equal(r.socket.code, 'ERR_BACKEND_UNSUPPORTED');
      assert.match(r.socket.message, /pool worker.*posix backend/);
      assert.equal(r.passFd.code, 'ERR_BACKEND_UNSUPPORTED');
      assert.equal(r.stillWorks, 5);
    });

    it('one task at a time: answers within the spin window, after it, and after the worker parked are all delivered', async () => {
      const r = await scenario(method, 'quickAndSlowAnswers');
      assert.deepEqual(
        r.quick,
        Array.from({ length: 300 }, (_, i) => i * 2),
      );
      assert.deepEqual(
        r.mixed,
        Array.from({ length: 20 }, (_, i) => i * 2),
      );
      assert.deepEqual(r.afterIdle, [0, 2, 4]);
    });

    it("a caller that blocks its thread between tasks past the result read's linger still exits", async () => {
      const r = await scenario(method, 'busyCallerExits');
      assert.deepEqual(
        r.values,
        Array.from({ length: 20 }, (_, i) => i * 2),
      );
    });

    it('a pool that is never closed does not keep the process alive', async () => {
      const r = await scenario(method, 'idleExit');
      assert.equal(r.value, 3);
    });
  });
}
