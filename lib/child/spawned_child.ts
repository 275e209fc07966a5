// What a child started by a `spawn` start method does once its description
// has arrived (each backend's entry reads it its own way): import the
// parent's main module behind the guard, become the described process, run
// it, and exit with its code.
import { reportError } from './bootstrap';
import { runDescribedChild } from './described_child';
import { importMainModule } from './main_module';
import { importSpecFunctions, readSpec } from './process_spec';
import { current } from '../internal/current_process';

export async function runSpawnedChild(
  description: Uint8Array,
  objectFds: number[],
  parentArgv: string,
): Promise<never> {
  current.isMain = false;
  let spec: ReturnType<typeof readSpec>;
  try {
    spec = readSpec(description);
  } catch (err) {
    reportError('(a spawned child)', err); // the description names the process: it could not be read
    process.exit(1);
  }
  try {
    await importMainModule(spec.mainPath, JSON.parse(parentArgv));
  } catch (err) {
    reportError(spec.identity.name, err);
    process.exit(1);
  }
  process.exit(
    await runDescribedChild({
      spec,
      importFunctions: () => importSpecFunctions(spec),
      objectFds,
      osParentPid: spec.identity.parentPid!,
    }),
  );
}
