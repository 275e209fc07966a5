// Fault injection (a): 4 producers and 4 consumers move numbered items through
// one Queue while a random producer or consumer is SIGKILLed and replaced every
// 50 ms. Prints what was lost and duplicated against what was in flight at a
// kill, and whether the queue ever wedged. Exit status 1 when a rule is broken.
// Run: node --single-threaded test/faults/queue_kill.js [items=1000000]
'use strict';
const { Queue, RawArray, posix } = require('../..');

const TOTAL = Number(process.argv[2] ?? 1_000_000);
const PRODUCERS = 4;
const CONSUMERS = 4;
const KILL_EVERY_MS = 50;
const WEDGED_AFTER_MS = 10_000;
const STOP = -1;

const queue = new Queue(10_000);
// done[s]: how many of producer slot s's items (s, s + 4, s + 8, ...) have been put.
const done = RawArray('i', PRODUCERS);
// received[k]: how many times item k was taken off the queue (saturates at 255).
const received = RawArray('B', TOTAL);
const taken = RawArray('i', 1);
const nap = new Int32Array(new SharedArrayBuffer(4));

const share = (slot) => Math.ceil((TOTAL - slot) / PRODUCERS);

function produce(slot) {
  for (let j = done[slot]; j < share(slot); j++) {
    queue.putSync(slot + PRODUCERS * j);
    done[slot] = j + 1; // a kill between the put and this store leaves item j ambiguous
  }
}

function consume() {
  for (;;) {
    const item = queue.getSync();
    if (item === STOP) return;
    if (received[item] < 255) Atomics.add(received, item, 1);
    Atomics.add(taken, 0, 1);
  }
}

function start(work) {
  const pid = posix.fork();
  if (pid === 0) {
    work();
    posix.exit(0);
  }
  return pid;
}

const producers = Array.from({ length: PRODUCERS }, (_, s) => start(() => produce(s)));
const consumers = Array.from({ length: CONSUMERS }, () => start(consume));
const ambiguous = new Set();
const kills = { producers: 0, consumers: 0 };
const startedAt = Date.now();
let wedged = false;

function reap(pid) {
  return posix.waitpid(pid, posix.WNOHANG).pid === pid;
}

try {
  let lastTaken = 0;
  let lastProgressAt = Date.now();
  const finished = new Set();
  while (finished.size < PRODUCERS) {
    Atomics.wait(nap, 0, 0, KILL_EVERY_MS);
    for (let s = 0; s < PRODUCERS; s++)
      if (!finished.has(s) && done[s] === share(s) && reap(producers[s])) finished.add(s);
    const pickProducer = Math.random() < 0.5;
    const candidates = pickProducer ? [...producers.keys()].filter((s) => !finished.has(s)) : [...consumers.keys()];
    if (candidates.length > 0) {
      const index = candidates[Math.floor(Math.random() * candidates.length)];
      const victims = pickProducer ? producers : consumers;
      posix.kill(victims[index], 'SIGKILL');
      posix.waitpid(victims[index]);
      if (pickProducer) {
        kills.producers++;
        if (done[index] < share(index)) ambiguous.add(index + PRODUCERS * done[index]);
        victims[index] = start(() => produce(index));
      } else {
        kills.consumers++;
        victims[index] = start(consume);
      }
    }
    if (taken[0] !== lastTaken) {
      lastTaken = taken[0];
      lastProgressAt = Date.now();
    } else if (Date.now() - lastProgressAt > WEDGED_AFTER_MS) {
      wedged = true;
      break;
    }
  }
  if (!wedged) {
    for (let i = 0; i < CONSUMERS; i++) queue.putSync(STOP);
    const deadline = Date.now() + WEDGED_AFTER_MS;
    for (const pid of consumers) {
      while (!reap(pid)) {
        if (Date.now() > deadline) {
          wedged = true;
          break;
        }
        Atomics.wait(nap, 0, 0, 10);
      }
    }
  }
} finally {
  for (const pid of [...producers, ...consumers]) {
    try {
      posix.kill(pid, 'SIGKILL');
      posix.waitpid(pid);
    } catch {
      /* already reaped */
    }
  }
}

const seconds = (Date.now() - startedAt) / 1000;
let lost = 0;
let duplicated = 0;
let duplicatedOutsideFlight = 0;
for (let k = 0; k < TOTAL; k++) {
  if (received[k] === 0) lost++;
  else if (received[k] > 1) {
    duplicated += received[k] - 1;
    if (!ambiguous.has(k)) duplicatedOutsideFlight++;
  }
}
const result = {
  items: TOTAL,
  seconds,
  itemsPerSecond: Math.round(TOTAL / seconds),
  kills,
  lost,
  lostAllowed: kills.consumers, // at most the one item a killed consumer had taken and not yet counted
  duplicated,
  duplicatedOutsideFlight, // must be 0: only an item in flight at a producer's kill may be put twice
  wedged,
  recoveredLocks: queue.recoveredLocks,
};
console.log(JSON.stringify(result));
const ok = !wedged && lost <= kills.consumers && duplicatedOutsideFlight === 0 && duplicated <= kills.producers;
console.log(ok ? 'queue_kill: PASS' : 'queue_kill: FAIL');
process.exitCode = ok ? 0 : 1;
