// How a function or class is named so another process can import it: the
// forkserver and spawn start methods cannot copy code, only import it (as
// Python pickles functions by module and qualified name).
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { dynamicImport } from './dynamic_import';
import { CodedError } from './errors';
import { current } from './current_process';

export interface FunctionRef {
  /** A file URL of the module that exports it. */
  moduleUrl: string;
  /** The export's name; null when the module's whole export is the function. */
  exportName: string | null;
  /** The function's source, to check that the export found is the same function. */
  source: string;
  /** True when only the name could be matched (ESM modules cannot be searched synchronously). */
  guessed: boolean;
}

export function mainModulePath(): string | null {
  if (current.mainPath !== undefined) return current.mainPath;
  return require.main?.filename ?? (process.argv[1] || null);
}

/** Finds the module that exports `fn` (loaded CommonJS modules), or guesses the main module by name. */
export function locateExport(fn: Function, what: string): FunctionRef {
  const source = Function.prototype.toString.call(fn);
  for (const [filename, mod] of Object.entries(require.cache)) {
    const exported = mod?.exports;
    if (exported === undefined || exported === null) continue;
    if (exported === fn) return { moduleUrl: pathToFileURL(filename).href, exportName: null, source, guessed: false };
    if (typeof exported !== 'object' && typeof exported !== 'function') continue;
    // Getters: compiled ES modules (tsx, esbuild, TypeScript) export through
    // them; a dependency's getter may run lazy code, so only our users' own.
    const readGetters = !filename.includes(`${path.sep}node_modules${path.sep}`);
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
      if (value === fn) return { moduleUrl: pathToFileURL(filename).href, exportName: key, source, guessed: false };
    }
  }
  const main = mainModulePath();
  if (main && !(main in require.cache) && fn.name) {
    // An ES module main: the receiving side checks the export exists and has this source.
    return { moduleUrl: pathToFileURL(main).href, exportName: fn.name, source, guessed: true };
  }
  throw notImportable(fn, what);
}

export function notImportable(fn: Function, what: string): CodedError {
  const label = fn.name ? `'${fn.name}'` : 'an anonymous function';
  return new CodedError('ERR_NOT_IMPORTABLE',
    `the ${what} ${label} cannot be used with this start method: the child imports it by name, so it must be ` +
    'exported from its module (the main module or any other). Export it, or use the \'fork\' start method, ' +
    'which copies the running process and needs no import.');
}

/** Imports the module a FunctionRef names and returns the function it refers to. */
// Namespaces already imported here: a second import() of the same module still
// goes through the ES module loader, which can queue file-system work that a
// forkserver would then have to wait out before it may fork.
const namespaces = new Map<string, Promise<any>>();

/** Modules this process has imported through importExport (a forked child can reuse them without the loader). */
export function importedModules(): string[] {
  return [...namespaces.keys()];
}

export async function importExport(ref: FunctionRef, what: string): Promise<Function> {
  let loading = namespaces.get(ref.moduleUrl);
  if (!loading) {
    loading = dynamicImport(ref.moduleUrl);
    namespaces.set(ref.moduleUrl, loading);
    loading.catch(() => namespaces.delete(ref.moduleUrl));
  }
  const namespace = await loading;
  const candidates: unknown[] = ref.exportName === null
    ? [namespace.default]
    : [namespace[ref.exportName], namespace.default?.[ref.exportName]];
  for (const candidate of candidates) {
    if (typeof candidate === 'function' && (!ref.guessed || Function.prototype.toString.call(candidate) === ref.source)) {
      return candidate;
    }
  }
  const fake = { name: ref.exportName ?? '' } as Function;
  throw notImportable(fake, what);
}
