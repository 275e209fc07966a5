// Fault injection (d): a process tree using every named object the library
// makes (test/faults/tree_kill_child.js) is SIGKILLed whole (its process
// group) at a random moment, N times (default 100). Afterwards /dev/shm, the
// temporary directory and the process table must hold nothing of ours.
// Run: node test/faults/tree_kill.js [rounds=100]
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROUNDS = Number(process.argv[2] ?? 100);
const CLEANUP_WAIT_MS = 10_000;
const child = path.join(__dirname, 'tree_kill_child.js');
const root = path.join(__dirname, '..', '..');

const shmEntries = () => {
  try {
    return fs.readdirSync('/dev/shm').filter((name) => /^(sem\.)?pmp[-_]/.test(name));
  } catch {
    return [];
  }
};
const tmpEntries = () => fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith('pmp-'));
/** Processes running this checkout's code (the tree's members, its tracker, its broker). */
const ourProcesses = () =>
  fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
    .filter((pid) => {
      try {
        const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        return cmdline.includes(root) && !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
      } catch {
        return false;
      }
    });

const before = { shm: new Set(shmEntries()), tmp: new Set(tmpEntries()), procs: new Set(ourProcesses()) };
const news = () => ({
  shm: shmEntries().filter((e) => !before.shm.has(e)),
  tmp: tmpEntries().filter((e) => !before.tmp.has(e)),
  procs: ourProcesses().filter((p) => !before.procs.has(p)),
});
const empty = (left) => left.shm.length + left.tmp.length + left.procs.length === 0;

function round() {
  return new Promise((resolve) => {
    const tree = spawn(process.execPath, [child], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
    let ready = false;
    tree.stdout.on('data', () => {
      ready = true;
    });
    // Anywhere from start-up (imports, objects half made) to well after everything is up.
    setTimeout(() => {
      try {
        process.kill(-tree.pid, 'SIGKILL');
      } catch {
        /* it already ended */
      }
    }, Math.random() * 2500);
    tree.on('close', () => resolve(ready));
  });
}

async function main() {
  let killedReady = 0;
  const started = Date.now();
  for (let i = 0; i < ROUNDS; i++) if (await round()) killedReady++;
  const deadline = Date.now() + CLEANUP_WAIT_MS;
  let left = news();
  while (!empty(left) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    left = news();
  }
  const result = {
    rounds: ROUNDS,
    killedAfterReady: killedReady,
    killedDuringStart: ROUNDS - killedReady,
    seconds: (Date.now() - started) / 1000,
    leftInDevShm: left.shm,
    leftInTmp: left.tmp,
    leftProcesses: left.procs.length,
  };
  console.log(JSON.stringify(result));
  console.log(empty(left) ? 'tree_kill: PASS' : 'tree_kill: FAIL');
  for (const pid of left.procs) process.kill(Number(pid), 'SIGKILL');
  for (const name of left.shm) fs.rmSync(path.join('/dev/shm', name), { force: true });
  for (const name of left.tmp) fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
  process.exitCode = empty(left) ? 0 : 1;
}

main();
