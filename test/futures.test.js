'use strict';
// posix-multiprocessing/futures: Python's concurrent.futures on the Pool.
// Each scenario runs in its own node process (test/fixtures/futures_main.js)
// and prints one JSON report; tests that read the same report share one run.
const assert = require('node:assert/strict');
const { runScenario, fixture } = require('./helpers/run_node');

const main = fixture('futures_main.js');
const portable = process.env.PMP_BACKEND === 'portable';
// The default start method: forkserver under posix, spawn (the only one) under portable.
const defaultMethod = portable ? 'spawn' : 'forkserver';
const reports = new Map();

function scenario(method, name) {
  const key = `${method} ${name}`;
  if (!reports.has(key)) reports.set(key, runScenario(main, method, name));
  return reports.get(key);
}

describe(`concurrent.futures under ${defaultMethod}`, function () {
  this.timeout(90000);
  const run = (name) => scenario(defaultMethod, name);

  describe('Future', () => {
    it('result() resolves with the value of fn(...args), awaiting a promise fn returns', async () => {
      const r = await run('results');
      assert.equal(r.value, 42);
      assert.equal(r.awaited, 10);
      assert.deepEqual(r.states, { running: false, done: true, cancelled: false });
    });

    it("result() rejects with the task's error, same type, and exception() returns it (null after success)", async () => {
      const r = await run('results');
      assert.deepEqual(r.error.error, { name: 'RangeError', message: 'bad input' });
      assert.deepEqual(r.exceptionOfFailed, { name: 'RangeError', message: 'bad input' });
      assert.equal(r.exceptionOfOk, null);
    });

    it('running() is true once the pool has dispatched the task, and cancel() then returns false', async () => {
      const r = await run('running');
      assert.deepEqual(r.during, { running: true, done: false, cancelled: false, cancel: false });
    });

    it('a finished future is done, not running, and cannot be cancelled', async () => {
      const r = await run('running');
      assert.deepEqual(r.after, { running: false, done: true, cancelled: false, cancel: false });
    });

    it('cancel() of a pending future returns true, makes it done and cancelled, and the task never runs', async () => {
      const r = await run('cancelPending');
      assert.deepEqual(r.before, { running: false, done: false, cancelled: false });
      assert.equal(r.cancel, true);
      assert.deepEqual(r.after, { running: false, done: true, cancelled: true });
      assert.equal(r.again, true, 'cancel() again returns true');
      assert.equal(r.ran, false);
    });

    it('result() and exception() of a cancelled future reject with CancelledError', async () => {
      const r = await run('cancelPending');
      assert.equal(r.result.error.name, 'CancelledError');
      assert.equal(r.exception.error.name, 'CancelledError');
    });

    it('cancelling a queued future does not kill the worker busy with another task', async () => {
      const r = await run('cancelPending');
      assert.equal(r.busyWorkerKept, true);
    });

    it('done callbacks run once the future is done, in order, with the future; added after, at once; on cancel too', async () => {
      const r = await run('doneCallbacks');
      assert.equal(r.callsBeforeDone, 0);
      assert.equal(r.callsAtResult, 2, 'both ran before result() resolved');
      assert.deepEqual(r.calls, [['first', true, true], ['second'], ['after done']]);
      assert.deepEqual((await run('cancelPending')).callbackSaw, [true]);
    });

    it('a done callback that throws is reported as an uncaught exception; the next callbacks still run', async () => {
      const r = await run('doneCallbackThrows');
      assert.deepEqual(r.reported, ['callback broke']);
      assert.deepEqual(r.calls, ['second ran']);
    });

    it('result(timeout) and exception(timeout) reject with TimeoutError after ~timeout ms and leave the future usable', async () => {
      const r = await run('resultTimeout');
      assert.equal(r.waited.error.name, 'TimeoutError');
      assert.ok(r.waited.ms >= 95 && r.waited.ms < 600, `result(100) rejected after ${r.waited.ms} ms`);
      assert.equal(r.exceptionWaited.error.name, 'TimeoutError');
      assert.deepEqual(r.stillPending, { running: true, done: false, cancelled: false });
      assert.equal(r.value, 700, 'result() afterwards resolves');
    });

    it('result(0) and result(-5) do not wait: TimeoutError at once when pending, the value when done', async () => {
      const r = await run('resultTimeout');
      for (const label of ['zero', 'negative']) {
        assert.equal(r[label].error.name, 'TimeoutError', label);
        assert.ok(r[label].ms < 50, `${label} took ${r[label].ms} ms`);
      }
      assert.deepEqual(r.zeroWhenDone, { value: 700 });
    });
  });

  describe('errors for bad input', () => {
    const typeErrors = [
      'resultNaN',
      'resultString',
      'exceptionNaN',
      'addDoneCallback',
      'submitNotFunction',
      'asCompletedNotFutures',
      'asCompletedNull',
      'asCompletedNaN',
      'waitNotFutures',
      'waitTimeout',
      'mapTimeout',
      'mapOptions',
      'shutdownOptions',
      'options',
    ];
    for (const label of typeErrors) {
      it(`${label}: TypeError with code ERR_INVALID_ARG_TYPE`, async () => {
        const e = (await run('badArguments')).errors[label];
        assert.equal(e?.name, 'TypeError', JSON.stringify(e));
        assert.equal(e.code, 'ERR_INVALID_ARG_TYPE');
      });
    }
    for (const label of ['waitReturnWhen', 'mapChunksize', 'mapBuffersize', 'maxWorkers', 'maxTasksPerChild']) {
      it(`${label}: ERR_INVALID_ARG_VALUE naming the option`, async () => {
        const e = (await run('badArguments')).errors[label];
        assert.equal(e?.code, 'ERR_INVALID_ARG_VALUE', JSON.stringify(e));
        const option =
          { waitReturnWhen: 'returnWhen', mapChunksize: 'chunksize', mapBuffersize: 'buffersize' }[label] ?? label;
        assert.match(e.message, new RegExp(`^${option} must be`));
      });
    }

    it('an argument that cannot cross a process boundary fails its future with ERR_UNCLONABLE', async () => {
      const e = (await run('badArguments')).errors.unclonableArgument;
      assert.equal(e.code, 'ERR_UNCLONABLE');
      assert.equal(e.done, true);
    });

    it('submit() of a closure under forkserver or spawn throws ERR_NOT_IMPORTABLE, and the executor stays usable', async () => {
      const r = await run('badArguments');
      assert.equal(r.errors.submitClosure.code, 'ERR_NOT_IMPORTABLE');
      assert.equal(r.after, 16);
    });
  });

  describe('ProcessPoolExecutor', () => {
    it('submit() and map() after shutdown throw ERR_EXECUTOR_SHUTDOWN; shutdown() again resolves', async () => {
      const r = await run('afterShutdown');
      for (const label of ['submit', 'map']) {
        assert.equal(r[label].code, 'ERR_EXECUTOR_SHUTDOWN', label);
        assert.match(r[label].message, /after shutdown.*new ProcessPoolExecutor/);
      }
      assert.equal(r.again, 'resolved');
    });

    it('shutdown() resolves once every submitted task has finished', async () => {
      const r = await run('shutdownWaits');
      assert.deepEqual(r.values, [300, 300, 6]);
      assert.ok(
        r.states.every((s) => s.done),
        JSON.stringify(r.states),
      );
      assert.ok(r.ms >= 250, `resolved after ${r.ms} ms`);
    });

    it('shutdown({ wait: false }) resolves at once; the running task still finishes', async () => {
      const r = await run('shutdownNoWait');
      assert.ok(r.ms < 100, `resolved after ${r.ms} ms`);
      assert.equal(r.doneAtReturn, false);
      assert.equal(r.value, 500);
    });

    it('shutdown({ cancelFutures: true }) cancels the pending futures (their tasks never run) and lets the running one finish', async () => {
      const r = await run('shutdownCancelsPending');
      assert.deepEqual(r.running, { value: 400 });
      assert.deepEqual(r.queued, [true, true, true]);
      assert.deepEqual(r.ran, [false, false, false]);
    });

    it('a worker SIGKILLed mid-task fails only its future with WorkerLostError; other futures and later submits succeed', async () => {
      const r = await run('workerKilled');
      assert.equal(r.lost.error.name, 'WorkerLostError');
      assert.equal(r.lost.error.signal, 'SIGKILL');
      assert.equal(r.lost.error.pid, r.victimPid);
      assert.deepEqual(r.bystander, { value: 42 });
      assert.deepEqual(r.after, { value: 3 });
    });

    for (const method of ['terminateWorkers', 'killWorkers']) {
      it(`${method}() ends the workers at once: the running future fails with ERR_POOL_TERMINATED, the pending one is cancelled`, async () => {
        const r = await run(method);
        assert.equal(r.running.error.code, 'ERR_POOL_TERMINATED');
        assert.equal(r.queuedCancelled, true);
        assert.ok(r.goneMs < 1500, `worker gone after ${r.goneMs} ms`);
        assert.equal(r.submit.code, 'ERR_EXECUTOR_SHUTDOWN');
      });
    }

    it('[Symbol.asyncDispose] shuts down, waiting for the running task', async () => {
      const r = await run('asyncDispose');
      assert.equal(r.done, true);
      assert.equal(r.submit.code, 'ERR_EXECUTOR_SHUTDOWN');
    });

    it('initializer runs with initargs in each worker; maxTasksPerChild 1 gives each task a new worker', async () => {
      const r = await run('initializer');
      assert.deepEqual(r.values, ['ready', 'ready', 'ready']);
      assert.equal(r.distinctPids, 3);
    });
  });

  describe('map', () => {
    it('yields results in input order although they finish out of order, over arrays and async iterables', async () => {
      const r = await run('mapInOrder');
      assert.deepEqual(r.got, [120, 10, 80, 2, 60, 20, 4, 100]);
      assert.deepEqual(r.fromAsync, [0, 2, 4, 6, 8, 10]);
    });

    it("yields the results before a failing item, then throws that item's error", async () => {
      const r = await run('mapError');
      assert.deepEqual(r.got, [1, 2]);
      assert.equal(r.error.message, 'three');
    });

    it('with a timeout, yields what finished in time, then throws TimeoutError ~timeout ms after the call', async () => {
      const r = await run('mapTimeout');
      assert.deepEqual(r.got, [10, 20]);
      assert.equal(r.error.name, 'TimeoutError');
      assert.ok(r.ms >= 480 && r.ms < 1500, `threw after ${r.ms} ms`);
      assert.deepEqual(r.inTime, [2, 4, 6], 'a map that finishes within its timeout is unaffected');
    });
  });

  describe('asCompleted and wait', () => {
    it('asCompleted yields the done futures first, then each as it finishes, each once', async () => {
      const r = await run('asCompletedOrder');
      assert.deepEqual(r.order, [0, 2, 4, 6]);
    });

    it('asCompleted throws TimeoutError naming the unfinished count once its timeout passes; 0 does not wait', async () => {
      const r = await run('asCompletedTimeout');
      assert.deepEqual(r.got, [10]);
      assert.equal(r.error.name, 'TimeoutError');
      assert.match(r.error.message, /1 \(of 2\) futures unfinished/);
      assert.ok(r.ms >= 380 && r.ms < 1500, `threw after ${r.ms} ms`);
      assert.equal(r.zeroError.name, 'TimeoutError');
    });

    it('wait FIRST_COMPLETED returns when the first future finishes', async () => {
      const r = await run('waitFirstCompleted');
      assert.deepEqual(r.done, ['fast']);
      assert.deepEqual(r.notDone, ['slow']);
      assert.ok(r.ms < 1000, `returned after ${r.ms} ms`);
    });

    it('wait FIRST_EXCEPTION returns when a future fails; without failures it waits for all', async () => {
      const r = await run('waitFirstException');
      assert.deepEqual(r.done, ['failing', 'ok']);
      assert.deepEqual(r.notDone, ['slow']);
      assert.ok(r.ms < 1500, `returned after ${r.ms} ms`);
      assert.deepEqual(r.withoutErrors, [2, 0]);
    });

    it('wait ALL_COMPLETED (the default) returns when all are done', async () => {
      const r = await run('waitAllAndTimeout');
      assert.deepEqual(r.all, [2, 0]);
      assert.deepEqual(r.all2, [2, 0]);
    });

    it('wait with a timeout returns the split after ~timeout ms without throwing; 0 returns at once', async () => {
      const r = await run('waitAllAndTimeout');
      assert.deepEqual(r.timedOut, [1, true]);
      assert.ok(r.ms >= 190 && r.ms < 1000, `returned after ${r.ms} ms`);
      assert.deepEqual(r.zero, [0, 1]);
      assert.ok(r.zeroMs < 50, `timeout 0 took ${r.zeroMs} ms`);
    });
  });
});

for (const method of ['fork', 'spawn']) {
  describe(`concurrent.futures under ${method}`, function () {
    this.timeout(90000);
    before(function () {
      if (portable && method !== 'spawn') this.skip(); // fork is a posix start method
    });

    it('submit, asCompleted, map and cancel of a pending future work', async () => {
      const r = await scenario(method, 'smoke');
      assert.deepEqual(r.order, [2, 4, 6]);
      assert.deepEqual(r.mapped, [8, 10, 12]);
      assert.equal(r.cancelled, true);
      assert.deepEqual(r.busy, { value: 300 });
      if (method === 'fork') assert.equal(r.closure, 101, 'a closure runs under fork');
    });
  });
}

describe('posix-multiprocessing/futures entry', () => {
  it("shares the main entry's library instance: the same error classes", () => {
    const futures = require('posix-multiprocessing/futures');
    const library = require('posix-multiprocessing');
    assert.equal(futures.TimeoutError, library.TimeoutError);
    assert.equal(futures.WorkerLostError, library.WorkerLostError);
  });
});
