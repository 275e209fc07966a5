// How a function or class is named so another process can import it: the
// forkserver and spawn start methods cannot copy code, only import it (as
// Python pickles functions by module and qualified name).
//
// Finding the module: a CommonJS export is found by searching require.cache
// (exact, and cheap). Anything else is found where V8 says the function was
// defined (lib/internal/function_location.ts), which names the very module, ES module
// or not, under whatever path it was loaded (a symlink, a pnpm store). Its
// namespace is then searched synchronously when this process has seen it;
// otherwise the importer finds the export by name or, failing that, by source.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dynamicImport } from './dynamic_import';
import { CodedError } from '../errors';
import { current } from './current_process';
import { locateFunction } from './function_location';

export interface FunctionRef {
  /** A file URL of the module that exports it. */
  moduleUrl: string;
  /** The export's name; null when the module's whole export is the function. */
  exportName: string | null;
  /** The function's source, to check that the export found is the same function. */
  source: string;
  /**
   * True when this process could not check the export (an ES module whose
   * namespace it has not loaded yet): the importer checks it by source.
   */
  guessed: boolean;
  /** `file:line:column` of the definition, for error messages. */
  definedAt: string | null;
}

export function mainModulePath(): string | null {
  if (current.mainPath !== undefined) return current.mainPath;
  return require.main?.filename ?? (process.argv[1] || null);
}

/** ES module namespaces this process has loaded, by URL: each is searched synchronously. */
const namespaces = new Map<string, Promise<any>>();
const loadedNamespaces = new Map<string, Record<string, unknown>>();

/** Imports a module by URL once per process, keeping its namespace for importExport. */
export function loadNamespace(url: string): Promise<any> {
  let loading = namespaces.get(url);
  if (!loading) {
    loading = dynamicImport(url);
    namespaces.set(url, loading);
    loading.then(
      (ns) => loadedNamespaces.set(url, ns),
      () => namespaces.delete(url),
    );
  }
  return loading;
}

/** The key under which `exported` holds fn; null when exported is fn itself; undefined if absent. */
function exportKeyOf(exported: unknown, fn: Function, readGetters: boolean): string | null | undefined {
  if (exported === fn) return null;
  if (exported === null || (typeof exported !== 'object' && typeof exported !== 'function')) return undefined;
  for (const key of Object.keys(exported)) {
    const descriptor = Object.getOwnPropertyDescriptor(exported, key);
    let value: unknown;
    if (descriptor && 'value' in descriptor) {
      value = descriptor.value;
    } else if (readGetters && descriptor?.get) {
      try {
        value = descriptor.get.call(exported);
      } catch {
        continue;
      }
    }
    if (value === fn) return key;
  }
  return undefined;
}

function searchRequireCache(fn: Function, source: string): FunctionRef | null {
  for (const [filename, mod] of Object.entries(require.cache)) {
    const exported = mod?.exports;
    if (exported === undefined || exported === null) continue;
    // Getters: compiled ES modules (tsx, esbuild, TypeScript) export through
    // them; a dependency's getter may run lazy code, so only our users' own.
    const readGetters = !filename.includes(`${path.sep}node_modules${path.sep}`);
    const key = exportKeyOf(exported, fn, readGetters);
    if (key !== undefined) {
      return { moduleUrl: pathToFileURL(filename).href, exportName: key, source, guessed: false, definedAt: null };
    }
  }
  return null;
}

/** Finds the module that exports `fn`; throws ERR_NOT_IMPORTABLE, saying where fn was defined, when none does. */
export function locateExport(fn: Function, what: string): FunctionRef {
  const source = Function.prototype.toString.call(fn);
  const fromRequire = searchRequireCache(fn, source);
  if (fromRequire) return fromRequire;
  const where = locateFunction(fn);
  if (where === null) return guessMainModule(fn, what, source);
  const filename = where.url.startsWith('file:') ? fileURLToPath(where.url) : null;
  const definedAt = `${filename ?? where.url}:${where.line}:${where.column}`;
  if (filename === null) throw notImportable(fn, what, definedAt); // eval, a built-in
  const commonJs = require.cache[filename];
  // A CommonJS module still running (a main module that starts work before its
  // closing `module.exports = { f }`) cannot be judged yet: the child imports it
  // whole and finds f by name or source, or says it cannot. (Its top-level
  // functions sit in the module's wrapper function; closures deeper than that.)
  if (commonJs && !commonJs.loaded && where.wrapperTopLevel && fn.name) {
    return { moduleUrl: where.url, exportName: fn.name, source, guessed: true, definedAt };
  }
  // A closure, or a CommonJS module that does not export it.
  if (where.nested || commonJs) throw notImportable(fn, what, definedAt);
  const namespace = loadedNamespaces.get(where.url);
  if (namespace) {
    const key = exportKeyOf(namespace, fn, true);
    if (key === undefined || key === null) throw notImportable(fn, what, definedAt);
    return { moduleUrl: where.url, exportName: key, source, guessed: false, definedAt };
  }
  // The module is loaded (fn came from it), so this import settles within a
  // few turns; later calls with functions of this module are checked here.
  void loadNamespace(where.url).catch(() => {});
  return { moduleUrl: where.url, exportName: fn.name || null, source, guessed: true, definedAt };
}

/** Without the inspector: the main module is the only ES module we can name. */
function guessMainModule(fn: Function, what: string, source: string): FunctionRef {
  const main = mainModulePath();
  if (main && !(main in require.cache) && fn.name) {
    return { moduleUrl: pathToFileURL(main).href, exportName: fn.name, source, guessed: true, definedAt: null };
  }
  throw notImportable(fn, what, null);
}

export function notImportable(fn: { name?: string }, what: string, definedAt: string | null): CodedError {
  const label = fn.name ? `'${fn.name}'` : 'an anonymous function';
  const where = definedAt ? ` (defined at ${definedAt})` : '';
  return new CodedError(
    'ERR_NOT_IMPORTABLE',
    `the ${what} ${label}${where} cannot be used with this start method: the child imports it by name, so it must be ` +
      "exported from its module (the main module or any other). Export it, or use the 'fork' start method, " +
      'which copies the running process and needs no import.',
  );
}

/** Modules this process has imported through importExport (a forked child can reuse them without the loader). */
export function importedModules(): string[] {
  return [...namespaces.keys()];
}

/**
 * A module this process already holds, found without the module loader: a
 * forked child must not call it when the loader's customisation hooks
 * (module.register(), tsx on Node 20) ran on a thread the child does not have.
 */
function heldModule(url: string): unknown {
  const namespace = loadedNamespaces.get(url);
  if (namespace) return namespace;
  const filename = url.startsWith('file:') ? fileURLToPath(url) : null;
  const exported = filename === null ? undefined : require.cache[filename]?.exports;
  // CommonJS: the export object stands in for a namespace, under both names findInNamespace tries.
  return exported === undefined ? undefined : { default: exported, 'module.exports': exported };
}

/** Imports the module a FunctionRef names and returns the function it refers to. */
export async function importExport(ref: FunctionRef, what: string): Promise<Function> {
  const held = heldModule(ref.moduleUrl);
  const found =
    (held === undefined ? null : findInNamespace(held, ref)) ??
    findInNamespace(await loadNamespace(ref.moduleUrl), ref);
  if (found) return found;
  throw notImportable({ name: ref.exportName ?? '' }, what, ref.definedAt);
}

function findInNamespace(namespace: any, ref: FunctionRef): Function | null {
  const sameSource = (candidate: unknown): candidate is Function =>
    typeof candidate === 'function' && Function.prototype.toString.call(candidate) === ref.source;
  const named: unknown[] =
    ref.exportName === null
      ? [namespace.default, namespace['module.exports']]
      : [namespace[ref.exportName], namespace.default?.[ref.exportName]];
  for (const candidate of named) {
    if (typeof candidate === 'function' && (!ref.guessed || sameSource(candidate))) return candidate;
  }
  if (!ref.guessed) return null;
  // Exported under another name (`export { f as g }`, `export default`): the same source identifies it.
  for (const exported of [namespace, namespace.default]) {
    if (exported === null || (typeof exported !== 'object' && typeof exported !== 'function')) continue;
    for (const key of Object.keys(exported)) {
      const candidate = exported[key];
      if (sameSource(candidate)) return candidate;
    }
  }
  return null;
}
