// The package's entry point (package.json "main" and "exports"): one instance
// of the library per process. A forkserver or spawned child loads the library
// from its real path before it imports the user's main module, and Node may
// then resolve the user's `require('posix-multiprocessing')` through a symlink
// (pnpm's store, npm link, workspaces) to another path: a second copy, with
// its own state, that under pnpm cannot even find its dependencies. The first
// copy to load registers itself (lib/index.ts); every entry returns that one.
import type * as Library from '../index';
import { LIBRARY_INSTANCE } from './library_instance';
import { preloadFromPack } from './module_pack';

const registered = (globalThis as { [LIBRARY_INSTANCE]?: typeof Library })[LIBRARY_INSTANCE];
function loadLibrary(): typeof Library {
  preloadFromPack('index.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../index') as typeof Library;
}

export = registered ?? loadLibrary();
