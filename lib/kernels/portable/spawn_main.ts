// A child started by the portable `spawn` start method (no addon):
// `node spawn_main.js <main> <argv as JSON>`, with its description framed on
// fd 3 (io/process_service.ts), which then stays open as its lifeline.
import '../../internal/compile_cache'; // first: before the library loads
import '../../internal/preload_library'; // then the library, from the module pack
import fs from 'node:fs';
import { runSpawnedChild } from '../../child/spawned_child';
import { adoptLifeline, LIFELINE_FD } from './lifeline';
import { inheritedBrokerAddress } from './broker_address';
import '../../index'; // every library object registers how to rebuild itself

/** Reads exactly `length` bytes from the blocking fd, or fewer at EOF. */
function readFully(fd: number, length: number): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    let n: number;
    try {
      n = fs.readSync(fd, bytes, got, length - got, null);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') continue;
      throw err;
    }
    if (n === 0) break;
    got += n;
  }
  return bytes.subarray(0, got);
}

function main(): void {
  const header = readFully(LIFELINE_FD, 4);
  const length = header.length === 4 ? header.readUInt32LE(0) : -1;
  const description = length >= 0 ? readFully(LIFELINE_FD, length) : Buffer.alloc(0);
  if (length < 0 || description.length < length) {
    process.stderr.write('spawned child: no process description arrived on fd 3\n');
    process.exit(1);
  }
  adoptLifeline(LIFELINE_FD);
  inheritedBrokerAddress(); // taken out of the environment before the main module runs
  void runSpawnedChild(description, [], process.argv[3]);
}

main();
