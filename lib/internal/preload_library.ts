// Imported by our entry scripts (a spawned child, the forkserver) right after
// the compile cache, before anything else of ours: what the entry imports (the
// library, the addon's loader, what a child runs) comes from the module pack
// (lib/internal/module_pack.ts), so the imports that follow find it loaded.
import { preloadFromPack, preloadRequiresOf } from './module_pack';

const entry = require.main?.filename;
if (entry === undefined || !preloadRequiresOf(entry)) preloadFromPack('index.js');
