// Under the fork start method the child runs its target and nothing else of
// the parent's program: no catch or finally block, no code after start(), no
// timer, interval, nextTick, server or socket callback of the parent, whatever
// called start(). Node 20 (V8 11) keeps an older way (README, Start methods).
'use strict';
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runNode, fixture } = require('./helpers/run_node');

const v8Major = Number(process.versions.v8.split('.')[0]);

describe('a fork-method child runs only its target', function () {
  before(function () {
    if (v8Major < 12) this.skip();
  });

  for (const where of ['after-await', 'timer', 'data-handler']) {
    it(`started ${where === 'after-await' ? 'after an await, inside try/catch/finally' : `inside a ${where === 'timer' ? 'timer callback' : "'data' handler"}`}: the child runs the target (timers, fs, a socket) and none of the parent's code`, async function () {
      const log = path.join(os.tmpdir(), `pmp-fork-isolation-${process.pid}-${where}`);
      fs.rmSync(log, { force: true });
      try {
        const { code, stderr, pid } = await runNode([fixture('fork_child_isolation.mjs'), where, log], {
          timeout: 30000,
        });
        assert.strictEqual(code, 0, `pid ${pid}: ${stderr}`);
        const lines = fs
          .readFileSync(log, 'utf8')
          .trim()
          .split('\n')
          .map((line) => line.split(' '));
        const parent = String(pid);
        const childLines = lines.filter((fields) => fields[fields.length - 1] !== parent);
        const childPids = new Set(childLines.map((fields) => fields[fields.length - 1]));
        assert.strictEqual(childPids.size, 1, `one child wrote: ${JSON.stringify(childLines)}`);
        const childEvents = childLines.map((fields) => fields.slice(0, -1).join(' '));
        assert.deepStrictEqual(childEvents, ['target-start', 'target-fs written by the target', 'target-socket pong']);
        const parentEvents = lines.filter((fields) => fields[fields.length - 1] === parent).map((fields) => fields[0]);
        for (const expected of ['after-start', 'joined', 'finally', 'after-try', 'parent-done'])
          assert.ok(parentEvents.includes(expected), `parent did ${expected}`);
        assert.ok(!parentEvents.includes('caught'), 'nothing was caught in the parent');
      } finally {
        fs.rmSync(log, { force: true });
        fs.rmSync(`${log}.child`, { force: true });
      }
    });
  }
});
