// Loads the library's own modules from dist/module_pack.js (written at build
// time by scripts/write-module-pack.js) instead of one file each. Node's
// loader spends about 0.3 ms a module resolving, statting, reading and
// tracing it; our import is ~60 modules, the largest part of a spawned
// child's start-up after Node's own.
//
// Each module is still a module of its own: it runs with its real __filename
// and __dirname and is entered in require.cache under its real file name
// before it runs, as Node would. So a later require() of the same file by
// path (a test, a pool worker named by URL) finds this very instance, and a
// module already loaded the usual way is used as it is. A file changed since
// it was packed is loaded from itself. Only stack traces differ: they name
// module_pack.js and its line.
import fs from 'node:fs';
import Module from 'node:module';
import path from 'node:path';

type ModuleFunction = (
  exports: unknown,
  require: NodeJS.Require,
  module: NodeJS.Module,
  filename: string,
  dirname: string,
) => void;

/** This module's own directory is dist/internal. */
const distDirectory = path.join(__dirname, '..');
const PACK_FILE = path.join(distDirectory, 'module_pack.js');

/** By key; a module's function is dropped once it has run (null), so its top-level code can be collected. */
let pack: Record<string, ModuleFunction | null> | null | undefined;
/** Each packed module's file size when it was packed. */
let packedSizes: Record<string, number> = {};
/** Each packed module's (and entry script's) relative requires, resolved when packed: key -> { specifier: key }. */
let packedLinks: Record<string, Record<string, string>> = {};
let packTime = 0;

function readPack(): Record<string, ModuleFunction | null> | null {
  try {
    packTime = fs.statSync(PACK_FILE).mtimeMs;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a generated file
    const { modules, sizes, links } = require(PACK_FILE) as {
      modules: Record<string, ModuleFunction>;
      sizes: Record<string, number>;
      links: Record<string, Record<string, string>>;
    };
    delete require.cache[PACK_FILE]; // held here alone, so that what has run can go
    packedSizes = sizes;
    packedLinks = links;
    return modules;
  } catch {
    return null; // no pack (a build without it): the usual loader
  }
}

/**
 * Files installed with the package (npm writes them in its own order, pnpm
 * and tarballs keep their times) may be dated a little after the pack;
 * anything changed later than this is taken for an edit.
 */
const INSTALL_SLACK_MS = 10_000;

/**
 * A file changed after the pack was written (tsc run alone, a patch-package
 * fix, a hand edit while debugging) is loaded from the file itself, as it
 * is now: its size differs from the packed one, or it is dated well after.
 */
function changedSincePacked(key: string, filename: string): boolean {
  try {
    const stat = fs.statSync(filename);
    return stat.size !== packedSizes[key] || stat.mtimeMs > packTime + INSTALL_SLACK_MS;
  } catch {
    return true;
  }
}

/** A packed module's file name: its key (a path under dist/ with '/') under distDirectory. */
function fileOf(key: string): string {
  return distDirectory + path.sep + (path.sep === '/' ? key : key.replaceAll('/', path.sep));
}

/** A file's key: its path under dist/, with '/'. */
function keyOf(filename: string): string {
  const relative = path.relative(distDirectory, filename);
  return path.sep === '/' ? relative : relative.replaceAll(path.sep, '/');
}

/** The key of the packed module a relative require() from the module `fromKey` names (resolved when packed). */
function packedTarget(fromKey: string, specifier: string): string | null {
  return packedLinks[fromKey]?.[specifier] ?? null;
}

function loadPacked(key: string): unknown {
  const filename = fileOf(key);
  const cached = require.cache[filename];
  if (cached) return cached.exports;
  const run = pack![key];
  // A file changed since the pack, or a module that ran and was deleted from
  // require.cache since (to load it afresh): Node's loader, from the file.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  if (!run || changedSincePacked(key, filename)) return require(filename);
  pack![key] = null;
  let nodeRequire: NodeJS.Require | undefined; // made on first use: most requires are our own modules or builtins
  const requireHere = (): NodeJS.Require => (nodeRequire ??= Module.createRequire(filename));
  const packedRequire = ((specifier: string) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- a builtin is the same from anywhere
    if (specifier.startsWith('node:')) return require(specifier);
    const target = specifier.startsWith('.') ? packedTarget(key, specifier) : null;
    return target === null ? requireHere()(specifier) : loadPacked(target);
  }) as NodeJS.Require;
  packedRequire.cache = require.cache;
  packedRequire.main = require.main;
  packedRequire.resolve = ((specifier: string, options?: { paths?: string[] }) =>
    requireHere().resolve(specifier, options)) as NodeJS.RequireResolve;
  const mod = new Module(filename) as NodeJS.Module;
  mod.filename = filename;
  require.cache[filename] = mod; // entered before it runs: a cycle gets its partial exports, as in Node
  try {
    run.call(mod.exports, mod.exports, packedRequire, mod, filename, path.dirname(filename));
  } catch (err) {
    delete require.cache[filename];
    pack![key] = run;
    throw err;
  }
  mod.loaded = true;
  return mod.exports;
}

/**
 * Loads `modulePath` (relative to dist/, as 'index.js') and everything it
 * requires of ours from the pack, so the require() that follows finds them
 * loaded. Without a usable pack it does nothing.
 */
export function preloadFromPack(modulePath: string): void {
  pack ??= readPack();
  if (pack === null) return;
  if (modulePath in pack) loadPacked(modulePath);
}

/**
 * Loads from the pack, in order, what the entry script `filename` (run by
 * node as a script, so not packed itself) requires of ours, so that its own
 * imports find everything loaded. False when the pack does not know it.
 */
export function preloadRequiresOf(filename: string): boolean {
  pack ??= readPack();
  const requires = pack === null ? undefined : packedLinks[keyOf(filename)];
  if (requires === undefined) return false;
  for (const key of Object.values(requires)) loadPacked(key);
  return true;
}
