// A child forked inside start() inherits the parent's event loop: its pending
// timers and immediates, the servers and sockets it watches. None of that is
// the child's: Python's fork child runs its target and nothing else. Before
// the target runs, every such object of the parent is found on the heap (V8's
// inspector walks it: Node offers no list of timers, and none of unreferenced
// handles) and stopped without a callback, so no code of the parent runs.
import { instancesOf, inspectorSession, post, releaseObjects, remoteObjectOf, type RemoteObject } from './inspector_session';

function prototypeOfTimeout(): object {
  const probe = setTimeout(() => {}, 0);
  clearTimeout(probe);
  return Object.getPrototypeOf(probe) as object;
}

function prototypeOfImmediate(): object {
  const probe = setImmediate(() => {});
  clearImmediate(probe);
  return Object.getPrototypeOf(probe) as object;
}

interface Property { name: string; value?: RemoteObject }

/**
 * Empties Node's nextTick queue: callbacks the parent queued before start().
 * The queue is a variable of the module that defines process.nextTick, so it
 * is reached through that function's scope chain.
 */
function dropQueuedTicks(): void {
  try {
    const { internalProperties = [] } = post<{ internalProperties?: Property[] }>('Runtime.getProperties', {
      objectId: remoteObjectOf(process.nextTick).objectId,
      ownProperties: true,
    });
    const scopes = internalProperties.find((p) => p.name === '[[Scopes]]')?.value;
    if (!scopes?.objectId) return;
    const { result: chain } = post<{ result: Property[] }>('Runtime.getProperties', { objectId: scopes.objectId, ownProperties: true });
    for (const scope of chain) {
      if (!scope.value?.objectId) continue;
      const { result: names } = post<{ result: Property[] }>('Runtime.getProperties', { objectId: scope.value.objectId, ownProperties: true });
      const queue = names.find((p) => p.name === 'queue')?.value;
      if (!queue?.objectId) continue;
      post('Runtime.callFunctionOn', {
        objectId: queue.objectId,
        functionDeclaration: 'function () { while (this.shift() != null) {} }',
        silent: true,
      });
      return;
    }
  } finally {
    releaseObjects();
  }
}

/** Stops, in this forked child, everything the parent's event loop was waiting for. */
export function stopInheritedLoopWork(): void {
  if (inspectorSession() === null) return;
  dropQueuedTicks();
  for (const timer of instancesOf<NodeJS.Timeout>(prototypeOfTimeout())) clearTimeout(timer);
  for (const immediate of instancesOf<NodeJS.Immediate>(prototypeOfImmediate())) clearImmediate(immediate);
  // node:net is loaded here, not at start-up: most programs never fork this way.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const net = require('node:net') as typeof import('node:net');
  for (const prototype of [net.Server.prototype, net.Socket.prototype]) {
    for (const endpoint of instancesOf<{ _handle?: { close(): void } | null }>(prototype)) {
      if (endpoint === process.stdin || endpoint === process.stdout || endpoint === process.stderr) continue;
      const handle = endpoint._handle;
      if (!handle) continue;
      // The handle's own close, with no callback: the parent's 'close' and
      // 'error' listeners must not run here. The parent keeps its copy of the fd.
      endpoint._handle = null;
      try {
        handle.close();
      } catch {
        // already closing
      }
    }
  }
}
