// One in-process session with V8's inspector, for the few questions only V8
// can answer (where a function was defined, which objects of a kind exist).
// Its calls answer before post() returns, on this thread: nothing waits.
import type { Session } from 'node:inspector';

let session: Session | null | undefined;
const parsedScripts: Array<(scriptId: string, url: string) => void> = [];
const HOLDER = Symbol.for('posix-multiprocessing.inspector');
export const OBJECT_GROUP = 'posix-multiprocessing';

/** The session, or null where Node was built without the inspector. */
export function inspectorSession(): Session | null {
  if (session !== undefined) return session;
  try {
    // Lazily: most programs never need it.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const inspector = require('node:inspector') as typeof import('node:inspector');
    session = new inspector.Session();
    session.connect();
    session.on('Debugger.scriptParsed', (message) => {
      for (const listener of parsedScripts) listener(message.params.scriptId, message.params.url);
    });
  } catch {
    session = null;
  }
  return session;
}

export function onScriptParsed(listener: (scriptId: string, url: string) => void): void {
  parsedScripts.push(listener);
}

/** An in-process session answers before post() returns; anything else is a failure. */
export function post<T>(method: string, params: object): T {
  let answered = false;
  let failure: Error | null = null;
  let result: T | undefined;
  inspectorSession()!.post(method, params, (err: Error | null, res?: object) => {
    answered = true;
    failure = err;
    result = res as T;
  });
  if (!answered) throw new Error(`inspector ${method} did not answer synchronously`);
  if (failure) throw failure;
  return result as T;
}

export interface RemoteObject {
  objectId?: string;
  description?: string;
  value?: any;
}

/** The inspector's handle on a value of ours (released with the object group). */
export function remoteObjectOf(value: unknown): RemoteObject {
  const holder = globalThis as unknown as Record<symbol, unknown>;
  holder[HOLDER] = value;
  try {
    return post<{ result: RemoteObject }>('Runtime.evaluate', {
      expression: 'globalThis[Symbol.for("posix-multiprocessing.inspector")]',
      objectGroup: OBJECT_GROUP,
      silent: true,
    }).result;
  } finally {
    delete holder[HOLDER];
  }
}

interface Property {
  name: string;
  value?: RemoteObject;
}

/**
 * The value of a variable that `fn` closes over (a module-level variable of
 * Node's own internals, say), read through the function's scope chain; or
 * undefined when no scope of fn holds it.
 */
export function closureVariable<T>(fn: Function, name: string): T | undefined {
  const holder = globalThis as unknown as Record<symbol, unknown>;
  try {
    const { internalProperties = [] } = post<{ internalProperties?: Property[] }>('Runtime.getProperties', {
      objectId: remoteObjectOf(fn).objectId,
      ownProperties: true,
    });
    const scopes = internalProperties.find((p) => p.name === '[[Scopes]]')?.value;
    if (!scopes?.objectId) return undefined;
    const { result: chain } = post<{ result: Property[] }>('Runtime.getProperties', {
      objectId: scopes.objectId,
      ownProperties: true,
    });
    for (const scope of chain) {
      if (!scope.value?.objectId) continue;
      const { result: names } = post<{ result: Property[] }>('Runtime.getProperties', {
        objectId: scope.value.objectId,
        ownProperties: true,
      });
      const variable = names.find((p) => p.name === name)?.value;
      if (!variable) continue;
      if (!variable.objectId) return variable.value as T;
      post('Runtime.callFunctionOn', {
        objectId: variable.objectId,
        functionDeclaration: 'function () { globalThis[Symbol.for("posix-multiprocessing.inspector")] = this; }',
        silent: true,
      });
      return holder[HOLDER] as T;
    }
    return undefined;
  } finally {
    delete holder[HOLDER];
    releaseObjects();
  }
}

export function releaseObjects(): void {
  try {
    post('Runtime.releaseObjectGroup', { objectGroup: OBJECT_GROUP });
  } catch {
    // the session is gone; nothing is held
  }
}
