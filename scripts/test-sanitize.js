// npm run test:sanitize [-- mocha args]: builds the addon with AddressSanitizer
// and UndefinedBehaviorSanitizer into build-sanitize/, runs the test suite with
// it (the sanitizer runtimes preloaded into node, which is not built with them),
// and fails if any process of the suite wrote a sanitizer report.
// PMP_SANITIZE=thread selects ThreadSanitizer instead.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const sanitizers = process.env.PMP_SANITIZE || 'address,undefined';
const outDir = path.join(root, 'build-sanitize');
const reports = path.join(root, 'build-sanitize', 'reports');

execFileSync(
  process.execPath,
  [
    require.resolve('cmake-js/bin/cmake-js'),
    'compile',
    '--log-level',
    'error',
    '--out',
    outDir,
    `--CDPMP_SANITIZE=${sanitizers}`,
  ],
  { cwd: root, stdio: 'inherit' },
);
const addon = path.join(outDir, 'Release', 'posix_multiprocessing.node');

const runtimes = sanitizers
  .split(',')
  .map((name) => ({ address: 'libasan.so', undefined: 'libubsan.so', thread: 'libtsan.so' })[name])
  .filter(Boolean)
  .map((lib) => execFileSync('g++', [`-print-file-name=${lib}`], { encoding: 'utf8' }).trim());

fs.rmSync(reports, { recursive: true, force: true });
fs.mkdirSync(reports, { recursive: true });
const common = `log_path=${path.join(reports, 'report')}:print_stacktrace=1`;
const env = {
  ...process.env,
  PMP_NATIVE_ADDON_PATH: addon,
  LD_PRELOAD: runtimes.join(' '),
  // Node itself is not instrumented: its allocations at exit are not ours to report (detect_leaks=0).
  ASAN_OPTIONS: `${common}:detect_leaks=0:verify_asan_link_order=0:handle_segv=0`,
  UBSAN_OPTIONS: common,
  // Forked children start threads (the futex waiter) after a fork of a
  // multi-threaded process, which TSan refuses by default.
  TSAN_OPTIONS: `${common}:report_signal_unsafe=0:die_after_fork=0:suppressions=${path.join(__dirname, 'tsan.supp')}`,
};
const mocha = spawnSync(process.execPath, [require.resolve('mocha/bin/mocha.js'), ...process.argv.slice(2)], {
  cwd: root,
  env,
  stdio: 'inherit',
});

const found = fs.readdirSync(reports);
for (const file of found) {
  process.stdout.write(`\n---- ${file}\n${fs.readFileSync(path.join(reports, file), 'utf8').slice(0, 4000)}`);
}
console.log(`\nsanitizers (${sanitizers}): ${found.length} report file(s) in ${path.relative(root, reports)}`);
process.exitCode = mocha.status !== 0 || found.length > 0 ? 1 : 0;
