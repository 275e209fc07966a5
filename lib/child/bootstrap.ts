// What a new child does before and around its target (Python's
// BaseProcess._bootstrap): take on its identity, run run(), report errors the
// way Python does, and turn the outcome into an exit code.
import fs from 'node:fs';
import { kernels } from '../backend';
import { becomeChildProcess, current, type ProcessIdentity } from '../internal/current_process';
import { forgetChildrenInNewProcess, kState, type BaseProcess } from '../process';

/**
 * Makes this process the child described by `identity`. `osParentPid` is the
 * process the kernel knows as our parent: the one that called start() (fork,
 * spawn) or the forkserver that forked us for it.
 */
export function enterChild(proc: BaseProcess, identity: ProcessIdentity, osParentPid: number): void {
  becomeChildProcess(identity);
  forgetChildrenInNewProcess();
  const state = proc[kState];
  state.isSelf = true;
  state.popen = null;
  current.processObject = proc;
  // A child never outlives the process that started it (SIGKILL included).
  if (identity.parentPid !== null) kernels().processes.endWithParent(identity.parentPid, osParentPid);
}

/** Python's report of a child's error: 'Process <name>:', then the stack, on stderr. */
export function reportError(name: string, err: unknown): void {
  const text = err instanceof Error ? (err.stack ?? String(err)) : String(err);
  try {
    fs.writeSync(2, `Process ${name}:\n${text}\n`);
  } catch {
    // stderr is gone
  }
}

/** Runs proc.run() (awaiting a promise) and returns the exit code: 0, or 1 after an error. */
export async function runToExitCode(proc: BaseProcess): Promise<number> {
  try {
    await proc.run();
    return 0;
  } catch (err) {
    reportError(proc.name, err);
    return 1;
  }
}
