// Under the fork start method the child runs its target and nothing else of
// the parent's program: no catch or finally block, no code after start(), no
// timer, interval, nextTick, server or socket callback of the parent, whatever
// called start(), on every Node line (README, Start methods).
'use strict';
const assert = require('node:assert');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { runNode, fixture } = require('./helpers/run_node');

const PLACES = {
  'after-await': 'after an await of a timer, inside try/catch/finally',
  'after-fs-promise': 'after an await of fs.promises, inside try/catch/finally',
  timer: 'inside a timer callback',
  'immediate-in-batch': 'inside the second of three immediate callbacks',
  'data-handler': "inside a 'data' handler",
};

/**
 * Runs the fixture in `mode`; what each process wrote to the log, as
 * { parent: events, others: [pid, event][] } (an event is the words before the pid).
 */
async function runAndRead(mode) {
  const log = path.join(os.tmpdir(), `pmp-fork-isolation-${process.pid}-${mode}`);
  fs.rmSync(log, { force: true });
  try {
    const { code, stderr, pid } = await runNode([fixture('fork_child_isolation.mjs'), mode, log], { timeout: 30000 });
    assert.strictEqual(code, 0, `pid ${pid}: ${stderr}`);
    const lines = fs
      .readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => {
        const fields = line.split(' ');
        return [fields[fields.length - 1], fields.slice(0, -1).join(' ')];
      });
    const parent = String(pid);
    return {
      parent: lines.filter(([by]) => by === parent).map(([, event]) => event),
      others: lines.filter(([by]) => by !== parent),
    };
  } finally {
    fs.rmSync(log, { force: true });
    fs.rmSync(`${log}.child`, { force: true });
  }
}

describe('a fork-method child runs only its target', function () {
  for (const [where, place] of Object.entries(PLACES)) {
    it(`started ${place}: the child runs the target (timers, fs, a socket) and none of the parent's code`, async function () {
      const { parent, others } = await runAndRead(where);
      const childPids = new Set(others.map(([by]) => by));
      assert.strictEqual(childPids.size, 1, `one child wrote: ${JSON.stringify(others)}`);
      const childEvents = others.map(([, event]) => event);
      assert.deepStrictEqual(childEvents, ['target-start', 'target-fs written by the target', 'target-socket pong']);
      const parentEvents = parent.map((event) => event.split(' ')[0]);
      for (const expected of ['after-start', 'joined', 'finally', 'after-try', 'parent-done'])
        assert.ok(parentEvents.includes(expected), `parent did ${expected}`);
      assert.ok(!parentEvents.includes('caught'), 'nothing was caught in the parent');
    });
  }

  for (const [mode, what] of [
    ['pool-after-await', 'a Pool under fork made after an await inside try/catch'],
    ['pool-pending-manager-call', 'a Pool under fork whose worker starts while a Manager call is pending'],
  ]) {
    it(`${what}: its workers run the tasks and none of the parent's code`, async function () {
      const { parent, others } = await runAndRead(mode);
      const workerEvents = others.map(([, event]) => event);
      assert.ok(
        workerEvents.length > 0 && workerEvents.every((event) => event === 'task'),
        `workers only ran tasks: ${workerEvents}`,
      );
      for (const expected of ['after-start', 'joined 0', 'finally', 'after-try', 'parent-done'])
        assert.ok(parent.includes(expected), `parent did ${expected}: ${JSON.stringify(parent)}`);
      assert.ok(!parent.some((event) => event.startsWith('caught')), 'nothing was caught in the parent');
    });
  }

  for (const [mode, last] of [
    ['process', 'exitcode 0'],
    ['pool', 'pool done'],
  ]) {
    it(`leaves the parent's standard input alone (${mode}): the child does not create process.stdin, which would make a shared stdin pipe non-blocking`, async function () {
      if (process.platform !== 'linux') this.skip(); // reads the flag from /proc/self/fdinfo
      const { code, stdout, stderr, pid } = await runNode([fixture('fork_stdin_untouched.js'), mode], {
        timeout: 30000,
      });
      assert.strictEqual(code, 0, `pid ${pid}: ${stderr}`);
      assert.deepStrictEqual(stdout.trim().split('\n'), ['before false', 'child false', `after false ${last}`]);
    });
  }

  it('a Node that cannot leave the stack refuses start() from a promise continuation with ERR_FORK_UNSAFE, before forking; the Process still starts from a callback', async function () {
    const { code, stdout, stderr, pid } = await runNode(
      ['--require', fixture('no_stack_unwind.cjs'), fixture('fork_without_unwind.mjs')],
      { timeout: 30000 },
    );
    assert.strictEqual(code, 0, `pid ${pid}: ${stderr}`);
    const lines = stdout.trim().split('\n');
    assert.match(
      lines[0],
      /^refused ERR_FORK_UNSAFE pid=none: .*promise continuation.*setImmediate.*spawn or forkserver/,
    );
    assert.match(lines[1], /^target ran in \d+$/);
    assert.notStrictEqual(lines[1], `target ran in ${pid}`);
    assert.deepStrictEqual(lines.slice(2), ['exitcode 0'], `nothing else ran: ${stdout}`);
  });
});
