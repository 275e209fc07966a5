// Running a Process in a child forked inside the parent's call to start()
// (the fork start method): leave the parent's JavaScript stack without running
// any of it, run the target, and _exit.
import { native } from '../internal/native';
import { CodedError } from '../errors';
import { runLibraryExitTasks } from '../internal/exit_tasks';
import type { BaseProcess } from '../process';
import { reportError, runToExitCode } from './bootstrap';
import { stopInheritedLoopWork } from './child_loop';

// Termination is only used from a promise continuation: inside a macrotask
// callback it would leave Node's async-context stack pushed, which Node
// treats as corruption and aborts. V8 12 and later (Node 22+) end the
// termination when the outermost call returns; on V8 11 (Node 20) it stays
// pending until the check-phase cancel in native/stack_unwind.cc (measured:
// the child's target then runs on Node 20 as on 22, 24 and 26).

/**
 * Called in the parent before forking: a child forked from a promise
 * continuation can leave the parent's stack only through V8's
 * TerminateExecution. A Node that does not export it (none of the tested
 * lines) is refused here, before anything of the parent's could run twice.
 */
export function refuseUnleavableStack(): void {
  if (native.unwindSupported() || microtasksRunHere()) return;
  throw new CodedError(
    'ERR_FORK_UNSAFE',
    `start() under fork was called from a promise continuation, and this Node (${process.version}) does not export the V8 calls a forked child needs to leave the caller's code; call start() from a callback (setImmediate) or use the spawn or forkserver start method`,
  );
}

/**
 * Runs a child forked inside the parent's call to start(), and never returns
 * there. The parent's pending event-loop work is stopped (lib/child/child_loop.ts),
 * the target is queued for the next turn of the loop, and the parent's
 * JavaScript stack is left without running any of it (native/stack_unwind.cc):
 * no catch or finally block, no code after start() and no promise continuation
 * of the parent runs in the child, whatever called start().
 */
export function runForkedChild(proc: BaseProcess): never {
  stopInheritedLoopWork();
  if (microtasksRunHere()) {
    // Called from a macrotask (or synchronous code): the target runs right
    // here on a nested turn of the loop, and the child exits before start() returns.
    const code = runToExitCodeHere(proc);
    runLibraryExitTasks();
    return native.exit(code);
  }
  // Called from a promise continuation, where V8 runs no nested microtasks:
  // leave the parent's stack, then run the target on the next turn.
  setImmediate(() => {
    void runToExitCode(proc).then((code) => {
      runLibraryExitTasks();
      native.exit(code);
    });
  });
  native.unwindJavaScriptStack();
  // The termination lands at the next interrupt check at the latest (this loop's back edge).
  for (;;) {
    // never reached past the first check
  }
}

/** Whether microtasks queued now run before this call returns (not inside a promise continuation). */
function microtasksRunHere(): boolean {
  let ran = false;
  void Promise.resolve().then(() => {
    ran = true;
  });
  (process as unknown as { _tickCallback(): void })._tickCallback.call(process);
  return ran;
}

/**
 * For a child forked from synchronous code or a macrotask: run() is called
 * here, inside start(), and an async run() is driven by turning the event loop
 * from here until it settles.
 */
function runToExitCodeHere(proc: BaseProcess): number {
  let result: unknown;
  try {
    result = proc.run();
  } catch (err) {
    reportError(proc.name, err);
    return 1;
  }
  if (
    !(result instanceof Promise) &&
    !(typeof result === 'object' && result !== null && typeof (result as PromiseLike<unknown>).then === 'function')
  ) {
    return 0;
  }
  let outcome: number | null = null;
  const settled = Promise.resolve(result).then(
    () => 0,
    (err) => {
      reportError(proc.name, err);
      return 1;
    },
  );
  settled.then((code) => {
    outcome = code;
  });
  const runTicks = (process as unknown as { _tickCallback(): void })._tickCallback;
  while (outcome === null) {
    const alive = native.runLoopOnce();
    runTicks.call(process);
    // uv_run judged liveness before the microtasks just run could add work (a
    // timer's promise continuation often starts the next wait): ask again.
    if (!alive && outcome === null && !native.loopAlive()) outcome = 0; // nothing left that could settle it
  }
  return outcome;
}
