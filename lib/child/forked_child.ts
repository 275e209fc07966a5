// What a child made by posix.fork() fixes before it runs any user code
// (design.md, facts 2 and 4): its own pid, fresh random state, and every exit
// path routed to _exit, because Node's own exit path joins V8 platform threads
// that do not exist in the child and crashes.
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { native } from '../internal/native';
import { nodeCrypto } from '../internal/node_crypto';
import { current } from '../internal/current_process';
import { libraryListener, runAfterForkInChild } from './after_fork';

let inForkedChild = false;

/**
 * What the parent settles before each fork, so that no child has to: node:crypto
 * is loaded (each child reseeds its randomness from it; loading it takes 5-9 ms)
 * and the authkey is drawn (parent and child share one, as in Python).
 */
export function prepareParentForFork(): void {
  nodeCrypto();
  void current.identity.authkey;
}

export function isForkedChild(): boolean {
  return inForkedChild;
}

export function becomeForkedChild(): void {
  inForkedChild = true;
  Object.defineProperty(process, 'pid', {
    value: native.getpid(),
    writable: false,
    enumerable: true,
    configurable: true,
  });
  reseedRandomness();
  routeExitPathsToExit();
  runAfterForkInChild();
}

/** Leaves the forked child at once with `code`; stdio pipes are blocking, so nothing is queued. */
export function exitForkedChild(code: number): never {
  return native.exit(code);
}

function reseedRandomness(): void {
  // V8 keeps Math.random's state per isolate and offers no reseed: replace it
  // with draws from OpenSSL, which reseeds itself after fork().
  const pool = new Uint32Array(2048);
  let next = pool.length;
  Math.random = function random(): number {
    if (next >= pool.length) {
      nodeCrypto().randomFillSync(pool);
      next = 0;
    }
    const high = pool[next++] >>> 5; // 27 bits
    const low = pool[next++] >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  };
  renewInheritedUuidBatch();
}

function renewInheritedUuidBatch(): void {
  // randomUUID() (node:crypto and globalThis.crypto share it) serves UUIDs from
  // a batch of 128 drawn before the fork; cycling through one full batch forces
  // a fresh draw. Done on first use: initialising it costs ~9 ms in a process
  // that never used it.
  const crypto = nodeCrypto();
  const nodeRandomUUID = crypto.randomUUID;
  let batchRenewed = false;
  const renewBatch = (): void => {
    if (batchRenewed) return;
    batchRenewed = true;
    for (let i = 0; i < 128; i++) nodeRandomUUID.call(crypto);
  };
  crypto.randomUUID = function randomUUID(options?: import('node:crypto').RandomUUIDOptions) {
    renewBatch();
    return nodeRandomUUID.call(crypto, options);
  };
  // globalThis.crypto loads lazily (~2 ms): patch it when, and if, it is used.
  let webPatched = false;
  const patchWebCrypto = (webCrypto: object): void => {
    if (webPatched) return;
    webPatched = true;
    const proto = Object.getPrototypeOf(webCrypto) as { randomUUID(): string };
    const webRandomUUID = proto.randomUUID;
    proto.randomUUID = function randomUUID(this: unknown) {
      renewBatch();
      return webRandomUUID.call(this);
    };
  };
  const descriptor = Object.getOwnPropertyDescriptor(globalThis, 'crypto');
  if (descriptor?.get) {
    const get = descriptor.get;
    Object.defineProperty(globalThis, 'crypto', {
      ...descriptor,
      get() {
        const webCrypto = get.call(this);
        patchWebCrypto(webCrypto);
        return webCrypto;
      },
    });
  } else if (descriptor?.value) {
    patchWebCrypto(descriptor.value);
  }
  syncBuiltinESMExports();
}

function routeExitPathsToExit(): void {
  // process.exit(n) emits 'exit', then calls reallyExit.
  (process as unknown as { reallyExit(code?: number): never }).reallyExit = (code) => exitForkedChild(code ?? 0);

  // An uncaught exception or unhandled rejection: print it as Node does, exit 1.
  process.on(
    'uncaughtException',
    libraryListener(function exitOnUncaught(err: unknown) {
      if (process.listenerCount('uncaughtException') > 1) return; // the program handles it
      const text = err instanceof Error ? (err.stack ?? String(err)) : `Uncaught ${String(err)}`;
      try {
        fs.writeSync(2, `${text}\n`);
      } catch {
        // stderr closed: nothing to report to
      }
      emitExitOnce(1);
      exitForkedChild(1);
    }),
  );

  // The loop ran dry: once every 'beforeExit' listener has had its turn and the
  // loop is still empty, leave with process.exitCode.
  process.on(
    'beforeExit',
    libraryListener(() => {
      queueMicrotask(() => {
        if (native.loopAlive()) return;
        const code = Number(process.exitCode ?? 0);
        emitExitOnce(code);
        exitForkedChild(code);
      });
    }),
  );
}

function emitExitOnce(code: number): void {
  const state = process as unknown as { _exiting?: boolean };
  if (state._exiting) return;
  state._exiting = true;
  try {
    process.emit('exit', code);
  } catch {
    // an 'exit' listener threw; the exit code stands
  }
}
