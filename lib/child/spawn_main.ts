// A child started by the `spawn` start method: `node spawn_main.js <main> <argv as JSON>`,
// with its description (and any fds) waiting on fd 3.
import { native } from '../internal/native';
import { reportError } from './bootstrap';
import { runDescribedChild } from './described_child';
import { importMainModule } from './main_module';
import { importSpecFunctions, readSpec } from './process_spec';
import { current } from '../internal/current_process';
import '../index'; // every library object registers how to rebuild itself

const DESCRIPTION = 3;
const parentArgv = process.argv[3];

async function main(): Promise<void> {
  current.isMain = false;
  const message = native.recvMessage(DESCRIPTION);
  native.close(DESCRIPTION);
  if (!message) {
    process.stderr.write('spawned child: no process description arrived on fd 3\n');
    process.exit(1);
  }
  const spec = readSpec(message.data);
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
      objectFds: message.fds,
      osParentPid: spec.identity.parentPid!,
    }),
  );
}

void main();
