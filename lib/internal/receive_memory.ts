// Receiving a large message allocates a large Buffer. Left alone, glibc gives
// every such Buffer fresh pages from the kernel, which costs more than moving
// the bytes (see native/receive_memory.cc). The first receive of a large
// message tunes malloc to reuse freed blocks instead. PMP_MALLOC_TUNING=0 in
// the environment leaves malloc alone.
import { kernels } from '../backend';

/** From this size on, a received message's Buffer is worth keeping malloc's blocks for. */
export const LARGE_MESSAGE_BYTES = 256 * 1024;

type MallocTuning = 'untouched' | 'tuned' | 'declined' | 'unsupported';
let tuning: MallocTuning = 'untouched';

/** What the first large receive did to malloc in this process (for tests and diagnostics). */
export function mallocTuning(): MallocTuning {
  return tuning;
}

/** A Buffer of `size` bytes to receive a message into (contents unspecified). */
export function receiveBuffer(size: number): Buffer {
  if (size < LARGE_MESSAGE_BYTES) return Buffer.allocUnsafe(size);
  if (tuning === 'untouched') {
    if (process.env.PMP_MALLOC_TUNING === '0') tuning = 'declined';
    else tuning = kernels().processes.tuneMallocForLargeMessages() ? 'tuned' : 'unsupported';
  }
  return Buffer.allocUnsafeSlow(size);
}
