// Our own entry scripts (a spawned child, the forkserver) load the whole
// library, then the main module again, before they run anything. V8's on-disk
// compile cache (Node >= 22.1; absent on Node 20) spares each new process from
// compiling the same files again. Node's documented default place
// (os.tmpdir()/node-compile-cache, or NODE_COMPILE_CACHE) and off switch
// (NODE_DISABLE_COMPILE_CACHE=1) apply. Imported first by each entry script,
// never by the library itself: a user's own process keeps its own choice.
import Module from 'node:module';

const enableCompileCache = (Module as { enableCompileCache?: () => unknown }).enableCompileCache;
if (typeof enableCompileCache === 'function') enableCompileCache();
