// A Listener's or a Manager's private socket directory goes with its process tree,
// also when every process of it is SIGKILLed at once (the resource tracker under
// posix, the broker under portable, remove it).
'use strict';
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { spawn } = require('node:child_process');
const { fixture } = require('./helpers/run_node');

async function killTreeAndWatch(args) {
  const tree = spawn(process.execPath, [fixture('private_directories_user.js'), ...args], {
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const directories = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`pid ${tree.pid} printed no directories in 20 s`)), 20000);
      tree.stdout.once('data', (line) => {
        clearTimeout(timer);
        resolve(JSON.parse(String(line).split('\n')[0]));
      });
    });
    for (const directory of directories) assert.ok(fs.existsSync(directory), `${directory} was not made`);
    process.kill(-tree.pid, 'SIGKILL');
    const deadline = Date.now() + 8000;
    let left = directories;
    while (left.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      left = left.filter((directory) => fs.existsSync(directory));
    }
    assert.deepEqual(left, [], `still there 8 s after the tree (group ${tree.pid}) was SIGKILLed`);
  } finally {
    try {
      process.kill(-tree.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

describe('private socket directories', function () {
  this.timeout(40000);

  it("a Listener's directory is removed after its whole tree is SIGKILLed", async () => {
    await killTreeAndWatch([]);
  });

  it("a Manager's directory is removed after its whole tree is SIGKILLed", async () => {
    await killTreeAndWatch(['manager']);
  });
});
