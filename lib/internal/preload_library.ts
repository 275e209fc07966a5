// Imported by our entry scripts (a spawned child, the forkserver) right after
// the compile cache, before anything else of ours: the library and what a
// child runs come from the module pack (lib/internal/module_pack.ts), so the
// imports that follow find them loaded.
import { preloadFromPack } from './module_pack';

for (const modulePath of ['index.js', 'child/spawned_child.js']) preloadFromPack(modulePath);
