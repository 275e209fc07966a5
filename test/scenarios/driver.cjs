// The steps every scenario program runs, whatever its module flavour: it is
// handed the library and its futures entry as the program imported them and
// the program's own functions (from the main module and from another module),
// and prints one JSON line of results per start method.
'use strict';

async function step(results, name, body) {
  try {
    results[name] = await body();
  } catch (err) {
    results[name] = `FAIL ${err && err.code ? err.code + ' ' : ''}${String(err && err.message).split('\n')[0]}`;
  }
}

async function runScenario(lib, fns, futures) {
  const methods = (process.env.SCENARIO_METHODS || 'forkserver,spawn').split(',');
  const report = {};
  for (const method of methods) {
    const ctx = lib.getContext(method);
    const results = {};
    await step(results, 'queue', async () => {
      const q = new lib.Queue();
      const p = new ctx.Process({ target: fns.fill, args: [q, 3] });
      p.start();
      const got = [await q.get({ timeout: 20000 }), await q.get({ timeout: 20000 }), await q.get({ timeout: 20000 })];
      await p.join(20000);
      return `${got.join(',')} exit ${p.exitcode}`;
    });
    await step(results, 'subclass', async () => {
      const q = new lib.Queue();
      const p = new fns.Reporter(q);
      p.start();
      const got = await q.get({ timeout: 20000 });
      await p.join(20000);
      return `${got} exit ${p.exitcode}`;
    });
    const pool = new lib.Pool({ processes: 2, context: method });
    await step(results, 'poolImported', async () => (await pool.map(fns.square, [1, 2, 3])).join(','));
    await step(results, 'poolMain', async () => (await pool.map(fns.cube, [1, 2, 3])).join(','));
    await step(results, 'poolClosure', async () => {
      try {
        await pool.map((x) => x, [1]);
        return 'accepted';
      } catch (err) {
        return `${err.code} ${/driver\.cjs:\d+:\d+/.test(err.message) ? 'names the file' : err.message}`;
      }
    });
    pool.terminate();
    await pool.join();
    await step(results, 'executor', async () => {
      const executor = new futures.ProcessPoolExecutor({ maxWorkers: 1, context: method });
      try {
        const value = await executor.submit(fns.cube, 3).result(20000);
        return `${value}, ${futures.TimeoutError === lib.TimeoutError ? 'one library' : 'two copies of the library'}`;
      } finally {
        await executor.shutdown();
      }
    });
    await step(results, 'manager', async () => {
      const manager = await lib.Manager({ context: method });
      const d = await manager.dict();
      const p = new ctx.Process({ target: fns.setKey, args: [d] });
      p.start();
      await p.join(20000);
      const value = await d.get('from');
      await manager.shutdown();
      return value;
    });
    report[method] = results;
  }
  console.log(JSON.stringify(report));
}

module.exports = { runScenario };
