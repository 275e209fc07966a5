// Fault injection (b): a Lock holder, an RLock holder, a Condition waiter, a
// Barrier party and a Semaphore holder are each SIGKILLed N times (default
// 1,000). After each kill the survivors must carry on within the documented
// bound (README, "When a process dies"), with the documented outcome:
//   Lock, RLock  the next acquire takes it over and reports ownerDied
//   Condition    a live waiter still wakes on notifyAll; the lock stays usable
//   Barrier      the others get BrokenBarrierError at their timeout; reset() restores it
//   Semaphore    the dead holder's unit is not returned
// Prints, per primitive, rounds, outcomes as documented, and the worst delay.
// Run: node --single-threaded test/faults/primitive_kill.js [rounds=1000] [Lock,RLock,Condition,Barrier,Semaphore]
'use strict';
const { Lock, RLock, Condition, Barrier, Semaphore, Event, BrokenBarrierError, posix } = require('../..');

const ROUNDS = Number(process.argv[2] ?? 1000);
// Waiters look at a holder's liveness every 100 ms (OWNER_CHECK_MS); allow scheduling on 2 cores.
const TAKEOVER_BOUND_MS = 400;
const BARRIER_TIMEOUT_MS = 20;
const nap = new Int32Array(new SharedArrayBuffer(4));

function forkDoing(work) {
  const pid = posix.fork();
  if (pid === 0) {
    try {
      work();
    } finally {
      posix.exit(0);
    }
  }
  return pid;
}

/** Runs `work` in a child until `ready` is set, then SIGKILLs and reaps it. */
function killWhenReady(ready, work) {
  ready.clear();
  const pid = forkDoing(() => {
    work();
    for (;;) Atomics.wait(nap, 0, 0); // hold whatever it holds until killed
  });
  if (!ready.waitSync(5000)) throw new Error(`child ${pid} never got ready`);
  posix.kill(pid, 'SIGKILL');
  posix.waitpid(pid);
}

/** Exit code of a child running `work` (which returns 0 for success). */
function childSays(work) {
  const pid = posix.fork();
  if (pid === 0) posix.exit(work());
  return posix.waitpid(pid).exitCode;
}

function measure(name, round) {
  let asDocumented = 0;
  let worstMs = 0;
  const problems = [];
  for (let i = 0; i < ROUNDS; i++) {
    const started = performance.now();
    const outcome = round();
    const ms = performance.now() - started;
    worstMs = Math.max(worstMs, ms);
    if (outcome === true && ms <= TAKEOVER_BOUND_MS) asDocumented++;
    else if (problems.length < 5) problems.push(`round ${i}: ${outcome === true ? `${ms.toFixed(0)} ms` : outcome}`);
  }
  return { primitive: name, rounds: ROUNDS, asDocumented, worstMs: Math.round(worstMs), problems };
}

const ready = new Event();

function lockRound(lock) {
  return () => {
    killWhenReady(ready, () => {
      lock.acquireSync();
      ready.set();
    });
    if (!lock.acquireSync({ timeout: 2000 })) return 'not taken over within 2 s';
    const died = lock.ownerDied;
    lock.release();
    return died || 'ownerDied was false';
  };
}

const rlock = new RLock();
function rlockRound() {
  killWhenReady(ready, () => {
    rlock.acquireSync();
    rlock.acquireSync();
    ready.set();
  });
  if (!rlock.acquireSync({ timeout: 2000 })) return 'not taken over within 2 s';
  const died = rlock.ownerDied;
  rlock.release(); // taken over at depth 1: one release frees it
  if (childSays(() => (rlock.acquireSync({ block: false }) ? 0 : 1)) !== 0) return 'still held after one release';
  return died || 'ownerDied was false';
}

const condition = new Condition();
const woke = new Event();
function conditionRound() {
  woke.clear();
  // The last round's killed child set `ready`: a stale set would send this round
  // on before the live waiter waits, and notifyAll would come before its wait.
  ready.clear();
  const live = forkDoing(() => {
    condition.acquireSync();
    ready.set();
    condition.waitSync(5000);
    condition.release();
    woke.set();
  });
  if (!ready.waitSync(5000)) return `live waiter ${live} never waited`;
  killWhenReady(ready, () => {
    condition.acquireSync();
    ready.set();
    condition.waitSync();
  });
  if (!condition.acquireSync({ timeout: 2000 })) return 'the condition lock stayed held';
  condition.notifyAll();
  condition.release();
  const wokeUp = woke.waitSync(2000);
  posix.waitpid(live);
  return wokeUp || 'the live waiter did not wake';
}

const barrier = new Barrier(2);
function barrierRound() {
  // The second party is killed before it arrives: the waiting one breaks at its timeout.
  killWhenReady(ready, () => ready.set());
  let outcome = 'the barrier tripped without its second party';
  try {
    barrier.waitSync(BARRIER_TIMEOUT_MS);
  } catch (err) {
    outcome = err instanceof BrokenBarrierError || `threw ${err.name}`;
  }
  barrier.reset();
  return outcome;
}

const semaphore = new Semaphore(1);
function semaphoreRound() {
  killWhenReady(ready, () => {
    semaphore.acquireSync();
    ready.set();
  });
  const returned = semaphore.acquireSync({ block: false });
  if (returned) return "the dead holder's unit came back";
  semaphore.release(); // put the unit back for the next round
  return semaphore.getValue() === 1 || `value ${semaphore.getValue()}`;
}

const campaigns = [
  ['Lock', lockRound(new Lock())],
  ['RLock', rlockRound],
  ['Condition waiter', conditionRound],
  ['Barrier party', barrierRound],
  ['Semaphore', semaphoreRound],
];
// An optional second argument picks some of them: e.g. `100 Condition,Lock`.
const only = process.argv[3]?.split(',');
const results = campaigns
  .filter(([name]) => !only || only.some((word) => name.startsWith(word)))
  .map(([name, round]) => measure(name, round));
for (const r of results) console.log(JSON.stringify(r));
const ok = results.every((r) => r.asDocumented === r.rounds);
console.log(ok ? 'primitive_kill: PASS' : 'primitive_kill: FAIL');
process.exitCode = ok ? 0 : 1;
