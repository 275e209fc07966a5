// Python's Manager tutorial: a dict and a list held by a manager's server
// process, changed by a child through proxies and read back by the parent.
// Run: node examples/manager_dict_list.js
'use strict';
const { Manager, Process, isMainProcess } = require('posix-multiprocessing');

async function f(d, l) {
  await d.set(1, '1');
  await d.set('2', 2);
  await d.set(0.25, null);
  await l.reverse();
}

module.exports = { f };

if (isMainProcess()) {
  (async () => {
    const manager = await Manager();
    try {
      const d = await manager.dict();
      const l = await manager.list(Array.from({ length: 10 }, (_, i) => i));
      const p = new Process({ target: f, args: [d, l] });
      p.start();
      await p.join();
      console.log(await d.copy());
      console.log(`[${(await l.copy()).join(', ')}]`);
    } finally {
      await manager.shutdown();
    }
  })();
}
