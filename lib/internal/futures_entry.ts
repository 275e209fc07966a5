// The package's `posix-multiprocessing/futures` entry: the futures module of
// the one library instance in this process (see lib/internal/package_entry.ts), so its
// Pool, errors and forkserver are those of `require('posix-multiprocessing')`.
import type * as Futures from '../futures';
import { LIBRARY_SUBPATHS, type LibrarySubpaths } from './library_instance';
import './package_entry'; // loads (and registers) the library if nothing has yet

const subpaths = (globalThis as { [LIBRARY_SUBPATHS]?: LibrarySubpaths })[LIBRARY_SUBPATHS];
// eslint-disable-next-line @typescript-eslint/no-require-imports
export = (subpaths?.futures() ?? require('../futures')) as typeof Futures;
