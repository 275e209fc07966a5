// Imported first by the forkserver's entry, and by nothing else.
//
// Every child the forkserver forks inherits its heap, compiled functions
// included, and compiles for itself whatever the server never compiled. V8
// compiles a function at its first call, and the server never calls a
// child's own path (taking its description, running the target, exiting):
// so each child compiled some 30 functions of ours again, about a third of
// its CPU time (measured with perf and V8's --log-function-events). With lazy
// compilation off while the library loads, the server compiles all of it
// once. Bytecode flushing is off for the server and its children, so what
// the server compiled stays compiled while it idles: it is a template.
//
// The V8 flags are part of the compile cache's key (Node keeps a directory
// per set of flags), so they are set before the cache is opened: the server's
// cache is its own, and nothing another process caches is thrown away.
import v8 from 'node:v8';

v8.setFlagsFromString('--no-lazy');
v8.setFlagsFromString('--no-flush-bytecode');

/** Whether the command line itself asked for eager compilation (node --no-lazy): that choice is kept. */
const eagerByCommandLine = process.execArgv.some((arg) => /^--no[-_]?lazy$/.test(arg));

/** From here on V8 compiles each function at its first call again: the application's code, in the server and its children. */
export function compileLazilyFromNow(): void {
  if (!eagerByCommandLine) v8.setFlagsFromString('--lazy');
}
