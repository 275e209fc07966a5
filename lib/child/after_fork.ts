// Python's util.register_after_fork: modules that hold per-process state (fd
// watches, the resource tracker, ...) register what a forked child must reset.
type AfterForkHook = () => void;

const childHooks: AfterForkHook[] = [];
const waitDroppingHooks: AfterForkHook[] = [];

export function registerAfterForkInChild(hook: AfterForkHook): void {
  childHooks.push(hook);
}

/**
 * For the modules where the parent's pending waits are parked (fd watches,
 * futex waits, child exits). These hooks run before all others and drop those
 * waits without settling them: a later hook that closes what they wait on (a
 * manager's connection) must not wake one, or the parent's code awaiting it
 * would go on in the child.
 */
export function registerWaitsToDropInChild(hook: AfterForkHook): void {
  waitDroppingHooks.push(hook);
}

export function runAfterForkInChild(): void {
  for (const hook of waitDroppingHooks) hook();
  for (const hook of childHooks) hook();
}

// The library's own process listeners, which a child of the fork start method
// keeps when it drops the parent's (lib/child/child_loop.ts).
const libraryListeners = new WeakSet<Function>();

/** Marks a process listener as the library's: a fork-method child keeps it. */
export function libraryListener<T extends (...args: never[]) => unknown>(listener: T): T {
  libraryListeners.add(listener);
  return listener;
}

export function isLibraryListener(listener: Function): boolean {
  return libraryListeners.has(listener);
}
