// Importing the parent's main module in a child (forkserver, spawn), behind the
// guard: isMainProcess() is false, and starting a process meanwhile is the
// bootstrapping error Python gives to scripts without the guard.
import { pathToFileURL } from 'node:url';
import { loadNamespace } from '../internal/function_ref';
import { current } from '../internal/current_process';

export async function importMainModule(mainPath: string | null, parentArgv: string[]): Promise<void> {
  // The main module sees the parent's command line, as in Python's children.
  process.argv.splice(0, process.argv.length, ...parentArgv);
  current.mainPath = mainPath; // what this process's own children must import, not our entry script
  if (!mainPath) return;
  current.isMain = false;
  current.bootstrapping = true;
  try {
    await loadNamespace(pathToFileURL(mainPath).href); // kept: a forked child finds its exports without the loader
  } finally {
    current.bootstrapping = false;
  }
}
