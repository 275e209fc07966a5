// A child started by the `spawn` start method: `node spawn_main.js <main> <argv as JSON>`,
// with its description (and any fds) waiting on fd 3.
import { native } from './native';
import { enterChild, runToExitCode } from './bootstrap';
import { importMainModule } from './main_module';
import { importSpecFunctions, instantiate, readSpec } from './process_spec';
import { current } from './current_process';
import './index'; // every library object registers how to rebuild itself

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
  let code: number;
  try {
    await importMainModule(spec.mainPath, JSON.parse(parentArgv));
    const proc = instantiate(spec, await importSpecFunctions(spec), message.fds);
    enterChild(proc, spec.identity, true);
    code = await runToExitCode(proc);
  } catch (err) {
    process.stderr.write(`Process ${spec.identity.name}:\n${(err as Error)?.stack ?? String(err)}\n`);
    code = 1;
  }
  process.exit(code);
}

void main();
