// Runs a Node script as a separate process and collects its output. Every run
// has a deadline: on expiry the process and everything it started (its process
// group) are SIGKILLed, and the test fails naming the pid and what it was waiting for.
'use strict';
const { spawn } = require('node:child_process');
const path = require('node:path');

const fixtures = path.join(__dirname, '..', 'fixtures');

function runNode(args, { timeout = 20000, env, input, singleThreaded = true, cwd } = {}) {
  const nodeArgs = singleThreaded ? ['--single-threaded', ...args] : args;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, nodeArgs, {
      cwd: cwd ?? path.join(__dirname, '..', '..'),
      env: { ...process.env, NODE_OPTIONS: '', ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
      // Its own process group: on the deadline the whole tree it started is
      // killed, not only the script (a stuck grandchild would outlive the test).
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8').on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* the group is gone */
      }
      child.kill('SIGKILL');
      reject(
        new Error(
          `timed out after ${timeout} ms waiting for pid ${child.pid} (node ${nodeArgs.join(' ')}) to exit; stdout so far: ${stdout.slice(-500)} stderr: ${stderr.slice(-500)}`,
        ),
      );
    }, timeout);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, pid: child.pid });
    });
    if (input !== undefined) child.stdin.end(input);
    else child.stdin.end();
  });
}

/**
 * Runs a fixture main module with `method` and `name` as its arguments and
 * returns the JSON report it prints last; fails naming what went wrong.
 */
async function runScenario(main, method, name) {
  const { code, stdout, stderr } = await runNode([main, method, name], { timeout: 60000 });
  if (code !== 0) throw new Error(`${method} ${name} exited ${code}: ${stderr}`);
  const last = stdout.trim().split('\n').pop();
  try {
    return JSON.parse(last);
  } catch {
    throw new Error(
      `${method} ${name} printed no report; stdout: ${stdout.slice(-300)} stderr: ${stderr.slice(-1500)}`,
    );
  }
}

function fixture(name) {
  return path.join(fixtures, name);
}

module.exports = { runNode, runScenario, fixture };
