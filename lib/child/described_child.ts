// What every child started from a description does (forkserver and spawn
// children alike): import what the description names, become that process,
// run it, and turn the outcome into an exit code. Each entry then exits its
// own way (a spawned child through process.exit, a forked one through _exit).
import { enterChild, reportError, runToExitCode } from './bootstrap';
import { instantiate, type ChildSpec, type SpecFunctions } from './process_spec';

export interface DescribedChild {
  spec: ChildSpec;
  /** Imports the target or subclass (already done by a forkserver before it forks). */
  importFunctions(): Promise<SpecFunctions>;
  /** File descriptors of library objects that arrived with the description. */
  objectFds: number[];
  /** Our parent as the kernel knows it: the process that called start() (spawn) or the forkserver. */
  osParentPid: number;
}

/** Runs the described process to its end; 1 (after reporting why) if it could not even start. */
export async function runDescribedChild(child: DescribedChild): Promise<number> {
  const { spec } = child;
  try {
    const proc = instantiate(spec, await child.importFunctions(), child.objectFds);
    enterChild(proc, spec.identity, child.osParentPid);
    return await runToExitCode(proc);
  } catch (err) {
    reportError(spec.identity.name, err);
    return 1;
  }
}
