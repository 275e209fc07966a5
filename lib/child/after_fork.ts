// Python's util.register_after_fork: modules that hold per-process state (fd
// watches, the resource tracker, ...) register what a forked child must reset.
type AfterForkHook = () => void;

const childHooks: AfterForkHook[] = [];

export function registerAfterForkInChild(hook: AfterForkHook): void {
  childHooks.push(hook);
}

export function runAfterForkInChild(): void {
  for (const hook of childHooks) hook();
}
