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
 * is loaded (each child reseeds its randomness from it; loading it takes 5-9 ms),
 * the authkey is drawn (parent and child share one, as in Python) and the
 * randomUUID() wrappers are in place (installing them costs a child ~2 ms).
 */
export function prepareParentForFork(): void {
  nodeCrypto();
  void current.identity.authkey;
  installUuidBatchRenewal();
}

export function isForkedChild(): boolean {
  return inForkedChild;
}

export function becomeForkedChild(): void {
  inForkedChild = true;
  uuidBatchInherited = true;
  Object.defineProperty(process, 'pid', {
    value: native.getpid(),
    writable: false,
    enumerable: true,
    configurable: true,
  });
  reseedMathRandom();
  routeExitPathsToExit();
  runAfterForkInChild();
}

/** Leaves the forked child at once with `code`; stdio pipes are blocking, so nothing is queued. */
export function exitForkedChild(code: number): never {
  return native.exit(code);
}

function reseedMathRandom(): void {
  // V8 keeps Math.random's state per isolate and offers no reseed: replace it
  // with draws from OpenSSL, which reseeds itself after fork().
  let pool: Uint32Array | undefined;
  let next = 0;
  Math.random = function random(): number {
    if (pool === undefined || next >= pool.length) {
      pool ??= new Uint32Array(2048);
      nodeCrypto().randomFillSync(pool);
      next = 0;
    }
    const high = pool[next++] >>> 5; // 27 bits
    const low = pool[next++] >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  };
}

/** Set in a forked child: its randomUUID() batch is the parent's until renewed. */
let uuidBatchInherited = false;
let uuidRenewalInstalled = false;

/**
 * randomUUID() (node:crypto and globalThis.crypto share it) serves UUIDs from a
 * batch of 128 drawn before the fork; cycling through one full batch forces a
 * fresh draw. The wrappers go in once, in the parent before its first fork:
 * they pass calls straight through until a fork, and a child renews its batch
 * on its first call. Installing them in each child cost it ~2 ms
 * (syncBuiltinESMExports), most of a fork child's start.
 */
function installUuidBatchRenewal(): void {
  if (uuidRenewalInstalled) return;
  uuidRenewalInstalled = true;
  const crypto = nodeCrypto();
  const nodeRandomUUID = crypto.randomUUID;
  const renewInheritedBatch = (): void => {
    uuidBatchInherited = false;
    for (let i = 0; i < 128; i++) nodeRandomUUID.call(crypto);
  };
  crypto.randomUUID = function randomUUID(options?: import('node:crypto').RandomUUIDOptions) {
    if (uuidBatchInherited) renewInheritedBatch();
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
      if (uuidBatchInherited) renewInheritedBatch();
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
  // An ES module that imported node:crypto before now sees the wrapper too.
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
