// node:crypto, loaded on first use. Loading it is the largest single cost of
// importing this library (5-9 ms of 65 on Node 24), paid by every program and
// every spawned child; most never draw an authkey or an OS object's name. A
// process that forks loads it before its first fork (lib/child/forked_child.ts).
type NodeCrypto = typeof import('node:crypto');

let loaded: NodeCrypto | undefined;

export function nodeCrypto(): NodeCrypto {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (loaded ??= require('node:crypto') as NodeCrypto);
}
