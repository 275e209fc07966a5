// npm run test:portable: the backend-neutral tests (test/helpers/portable_files.js)
// under the portable backend, then a check that the process trees they made left
// no broker process and no broker socket directory behind.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.join(__dirname, '..');
const brokerDirs = () => fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith('pmp-broker-'));

/** Broker processes started from this checkout (Linux: read from /proc; elsewhere none are seen). */
function ourBrokers() {
  if (!fs.existsSync('/proc')) return [];
  const entry = path.join(root, 'dist', 'kernels', 'portable', 'broker', 'broker_main.js');
  return fs
    .readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(entry);
      } catch {
        return false;
      }
    })
    .map(Number);
}

const dirsBefore = new Set(brokerDirs());
const brokersBefore = new Set(ourBrokers());
const mocha = require.resolve('mocha/bin/mocha.js', { paths: [root] });
const run = spawnSync(process.execPath, [mocha, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, PMP_BACKEND: 'portable' },
});

// A broker ends about two seconds after the last process of its tree.
const deadline = Date.now() + 8000;
const leftBrokers = () => ourBrokers().filter((pid) => !brokersBefore.has(pid));
const leftDirs = () => brokerDirs().filter((name) => !dirsBefore.has(name));
while ((leftBrokers().length > 0 || leftDirs().length > 0) && Date.now() < deadline) {
  spawnSync(process.execPath, ['-e', 'setTimeout(() => {}, 200)']);
}
const brokers = leftBrokers();
const dirs = leftDirs();

let status = run.status ?? 1;
if (brokers.length > 0 || dirs.length > 0) {
  console.error(
    `test:portable: left behind after the suite: brokers ${brokers.join(', ') || 'none'}; ` +
      `socket directories ${dirs.join(', ') || 'none'}`,
  );
  for (const pid of brokers) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  for (const dir of dirs) fs.rmSync(path.join(os.tmpdir(), dir), { recursive: true, force: true });
  status = status || 1;
}
process.exit(status);
