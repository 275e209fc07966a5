// Our own entry scripts (a spawned child, the forkserver) load the whole
// library, then the main module again, before they run anything. V8's on-disk
// compile cache (Node >= 22.1; absent on Node 20) spares each new process from
// compiling the same files again. Node's documented default place
// (os.tmpdir()/node-compile-cache, or NODE_COMPILE_CACHE) and off switch
// (NODE_DISABLE_COMPILE_CACHE=1) apply. Imported first by each entry script,
// and otherwise only by the forkserver's own module (to save its cache): a
// user's own process keeps its own choice.
import Module from 'node:module';

const { enableCompileCache, flushCompileCache } = Module as {
  enableCompileCache?: () => unknown;
  flushCompileCache?: () => void;
};
if (typeof enableCompileCache === 'function') enableCompileCache();

/**
 * Writes what was compiled so far to the cache now (Node >= 22.10), for a
 * process that never exits the way Node writes it at exit (the forkserver).
 */
export function saveCompileCache(): void {
  flushCompileCache?.call(Module);
}
