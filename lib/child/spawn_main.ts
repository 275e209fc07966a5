// A child started by the posix `spawn` start method: `node spawn_main.js <main> <argv as JSON>`,
// with its description (and any fds) waiting on fd 3.
import '../internal/compile_cache'; // first: before the library loads
import '../internal/preload_library'; // then the library, from the module pack
import { native } from '../internal/native';
import { runSpawnedChild } from './spawned_child';
import '../index'; // every library object registers how to rebuild itself

const DESCRIPTION = 3;

function main(): void {
  const message = native.recvMessage(DESCRIPTION);
  native.close(DESCRIPTION);
  if (!message) {
    process.stderr.write('spawned child: no process description arrived on fd 3\n');
    process.exit(1);
  }
  void runSpawnedChild(message.data, message.fds, process.argv[3]);
}

main();
