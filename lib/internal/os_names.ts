// Names for the named OS objects this library creates (shared-memory segments,
// semaphores): random, unguessable, and prefixed `pmp-` so leaks are easy to spot
// in /dev/shm. 4 + 20 characters fit macOS's 31-character limit with the slash.
import { nodeCrypto } from './node_crypto';

export const OS_NAME_PREFIX = 'pmp-';

// base32 (RFC 4648 alphabet, lower case): file-name safe on every platform.
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

export function randomOsName(prefix: string = OS_NAME_PREFIX): string {
  const bytes = nodeCrypto().randomBytes(20);
  let name = prefix;
  for (const byte of bytes) name += ALPHABET[byte & 31];
  return name; // 100 random bits
}
