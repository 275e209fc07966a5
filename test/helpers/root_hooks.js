// Suite-wide checks: nothing of ours is left in /dev/shm, and no child process
// of the test runner outlives the suite (leftovers are killed, then reported).
'use strict';
const fs = require('node:fs');
const { childrenOf } = require('./processes');

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

exports.mochaHooks = {
  beforeAll() {
    shmBefore = ourShmEntries();
  },
  async afterAll() {
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
    if (leaked.length > 0)
      throw new Error(`/dev/shm still holds objects of ours after the suite: ${leaked.join(', ')}`);
    if (survivors.length > 0)
      throw new Error(`child processes outlived the suite (killed now): ${survivors.join(', ')}`);
  },
};
