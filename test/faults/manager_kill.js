// Fault injection (c): a Manager's server is SIGKILLed while calls are in
// flight (1,000 concurrent dict and list calls, killed 0-30 ms into them),
// N times (default 20) with a fresh manager each time. Every call must settle:
// done before the kill, or rejected with ERR_MANAGER_GONE; none may hang, and
// calls made after the kill must fail the same way. Prints the counts.
// Run: node test/faults/manager_kill.js [rounds=20]
'use strict';
const { Manager, isMainProcess } = require('../..');

const ROUNDS = Number(process.argv[2] ?? 20);
const IN_FLIGHT = 1000;
const HANG_MS = 10_000;

function settleWithin(promise, ms) {
  let timer;
  const hang = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ hung: true }), ms);
  });
  return Promise.race([
    promise.then(
      () => ({ ok: true }),
      (err) => ({ code: err.code ?? err.name }),
    ),
    hang,
  ]).finally(() => clearTimeout(timer));
}

async function round() {
  const manager = await Manager();
  const dict = await manager.dict();
  const list = await manager.list();
  const calls = [];
  for (let i = 0; i < IN_FLIGHT; i++) calls.push(i % 2 ? dict.set(`k${i}`, i) : list.append(i));
  // Kill at a random moment of the stream: some calls done, some on the wire, some not yet sent.
  await new Promise((resolve) => setTimeout(resolve, Math.random() * 30));
  const killedAt = performance.now();
  process.kill(manager.pid, 'SIGKILL');
  const outcomes = await Promise.all(calls.map((call) => settleWithin(call, HANG_MS)));
  const settledMs = performance.now() - killedAt;
  const after = await settleWithin(dict.get('k1'), HANG_MS);
  await manager.shutdown().catch(() => {});
  const count = (test) => outcomes.filter(test).length;
  return {
    completed: count((o) => o.ok),
    gone: count((o) => o.code === 'ERR_MANAGER_GONE'),
    hung: count((o) => o.hung),
    other: count((o) => !o.ok && !o.hung && o.code !== 'ERR_MANAGER_GONE'),
    otherCodes: outcomes.filter((o) => !o.ok && !o.hung && o.code !== 'ERR_MANAGER_GONE').map((o) => o.code),
    afterKill: after.code ?? (after.hung ? 'hung' : 'succeeded'),
    settledMs,
  };
}

async function main() {
  const total = {
    rounds: ROUNDS,
    completed: 0,
    gone: 0,
    hung: 0,
    other: 0,
    otherCodes: [],
    afterKillNotGone: 0,
    worstSettleMs: 0,
  };
  for (let i = 0; i < ROUNDS; i++) {
    const r = await round();
    total.completed += r.completed;
    total.gone += r.gone;
    total.hung += r.hung;
    total.other += r.other;
    for (const code of r.otherCodes) if (!total.otherCodes.includes(code)) total.otherCodes.push(code);
    if (r.afterKill !== 'ERR_MANAGER_GONE') total.afterKillNotGone++;
    total.worstSettleMs = Math.max(total.worstSettleMs, Math.round(r.settledMs));
  }
  console.log(JSON.stringify(total));
  const ok = total.hung === 0 && total.other === 0 && total.afterKillNotGone === 0 && total.gone > 0;
  console.log(ok ? 'manager_kill: PASS' : 'manager_kill: FAIL');
  process.exitCode = ok ? 0 : 1;
}

if (isMainProcess()) main();
