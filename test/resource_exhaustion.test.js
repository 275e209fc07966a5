// The library where a resource has run out: the fd limit (`ulimit -n`) and a
// full /dev/shm (a 1 MiB tmpfs in a private mount namespace, where this machine
// allows one). Each operation throws an error naming the syscall and what to
// do, leaves nothing half-made, and everything works again once the resource
// is back. Posix only: the portable backend has no addon, memfd or /dev/shm.
'use strict';
const assert = require('node:assert/strict');
const { execFileSync, spawnSync } = require('node:child_process');
const { fixture } = require('./helpers/run_node');

const script = fixture('resource_exhaustion.js');
const posix = process.env.PMP_BACKEND !== 'portable';

/** Runs the fixture through `sh -c` (for ulimit) or unshare; its JSON report. */
function run(command, args, what) {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 60000, killSignal: 'SIGKILL' });
  assert.equal(
    result.status,
    0,
    `${what} (pid ${result.pid}) ended with ${result.status ?? result.signal}: ${result.stderr}`,
  );
  return JSON.parse(result.stdout.trim().split('\n').pop());
}

const atFdLimit = (how) =>
  run(
    'sh',
    ['-c', `ulimit -n 64 && exec "${process.execPath}" --single-threaded "${script}" ${how}`],
    `${how} at 64 fds`,
  );

function privateSmallShm() {
  try {
    execFileSync(
      'unshare',
      ['-m', '--propagation', 'private', 'sh', '-c', 'mount -t tmpfs -o size=1m tmpfs /dev/shm'],
      {
        stdio: 'ignore',
      },
    );
    return true;
  } catch {
    return false;
  }
}

describe('resources run out', function () {
  this.timeout(90000);
  before(function () {
    if (!posix) this.skip();
  });

  for (const [how, when] of [
    ['fds-warm', 'after the library was used'],
    ['fds-cold', 'before the library was first used'],
  ]) {
    it(`at the fd limit ${when}: Queue, Pipe, SharedMemory, Listener and start() throw EMFILE saying what to do; freed fds make them work again, on the posix backend`, () => {
      const { atLimit, leftListenerDirs, afterwards } = atFdLimit(how);
      for (const [what, result] of Object.entries(atLimit)) {
        assert.equal(result.ok, false, `${what} worked at the limit`);
        assert.equal(result.code, 'EMFILE', `${what}: ${result.message}`);
        assert.match(result.message, /ulimit -n/, `${what} says what to do`);
      }
      assert.deepEqual(leftListenerDirs, [], 'the failed Listener left no directory');
      assert.deepEqual(afterwards, { backend: 'posix', queue: 'after', lock: true, child: 0 });
    });
  }

  it('/dev/shm full: a SharedMemory larger than what is left throws ENOSPC at creation (not SIGBUS at first touch) and leaves nothing; a Queue item too big for it throws ENOSPC and the queue carries on', function () {
    if (!privateSmallShm()) this.skip(); // this machine allows no private tmpfs mount (unshare -m)
    const report = run(
      'unshare',
      [
        '-m',
        '--propagation',
        'private',
        'sh',
        '-c',
        `mount -t tmpfs -o size=1m tmpfs /dev/shm && exec "${process.execPath}" --single-threaded "${script}" shm`,
      ],
      'shm with a 1 MiB /dev/shm',
    );
    assert.equal(report.tooBig.code, 'ENOSPC', report.tooBig.message);
    assert.match(report.tooBig.message, /\/dev\/shm/);
    assert.deepEqual(report.leftAfterTooBig, []);
    assert.equal(report.smallRead, 'still works');
    assert.equal(report.spill.code, 'ENOSPC', report.spill.message);
    assert.equal(report.next, 'small item', 'the queue holds the next item, not a half-written one');
    assert.deepEqual(report.leftAtEnd, []);
  });
});
