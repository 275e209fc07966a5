// Suite-wide checks: nothing of ours is left in /dev/shm, no child process
// of the test runner outlives the suite (leftovers are killed, then reported),
// and no child forked from the runner goes on running the runner's tests.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { childrenOf } = require('./processes');

// A fork-method child that returned into the runner's code would run the
// following tests as if it were the runner (its output mixed into the real
// one, its failures unseen). It notes where it went astray and kills itself;
// the runner fails the suite if any did.
const RUNNER_PID = process.pid;
const strayLog = path.join(os.tmpdir(), `pmp-stray-runner-${RUNNER_PID}`);

// Names the library gives its OS objects start with this prefix (sem.* for
// POSIX named semaphores on Linux).
const OUR_SHM = /^(sem\.)?pmp[-_]/;

function ourShmEntries() {
  try {
    return fs.readdirSync('/dev/shm').filter((name) => OUR_SHM.test(name));
  } catch {
    return [];
  }
}

let shmBefore = [];

function isBroker(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('broker_main.js');
  } catch {
    return false;
  }
}

function stopIfStray(test) {
  if (process.pid === RUNNER_PID) return;
  fs.appendFileSync(strayLog, `pid ${process.pid} ran "${test?.fullTitle() ?? 'a hook'}"\n`);
  process.kill(process.pid, 'SIGKILL');
}

exports.mochaHooks = {
  beforeAll() {
    shmBefore = ourShmEntries();
    fs.rmSync(strayLog, { force: true });
  },
  beforeEach() {
    stopIfStray(this.currentTest);
  },
  afterEach() {
    stopIfStray(this.currentTest);
  },
  async afterAll() {
    let strays = '';
    try {
      strays = fs.readFileSync(strayLog, 'utf8');
      fs.rmSync(strayLog, { force: true });
    } catch {
      /* none went astray */
    }
    // Give resource trackers a moment to unlink after their last user exits.
    let leaked = [];
    for (let i = 0; i < 50; i++) {
      leaked = ourShmEntries().filter((name) => !shmBefore.includes(name));
      if (leaked.length === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // The portable backend's broker outlives this process by design (it ends about two seconds
    // after its tree); scripts/test-portable.js checks that it did.
    const survivors = childrenOf(process.pid).filter((pid) => !isBroker(pid));
    for (const pid of survivors) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    if (strays) throw new Error(`a child forked from the test runner went on running the runner's tests:\n${strays}`);
    if (leaked.length > 0)
      throw new Error(`/dev/shm still holds objects of ours after the suite: ${leaked.join(', ')}`);
    if (survivors.length > 0)
      throw new Error(`child processes outlived the suite (killed now): ${survivors.join(', ')}`);
  },
};
