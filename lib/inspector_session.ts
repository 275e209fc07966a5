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

export interface RemoteObject { objectId?: string; description?: string; value?: any }

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

/** Every live object whose prototype is `prototype` (V8 walks the heap). */
export function instancesOf<T>(prototype: object): T[] {
  const holder = globalThis as unknown as Record<symbol, unknown>;
  try {
    const { objects } = post<{ objects: RemoteObject }>('Runtime.queryObjects', {
      prototypeObjectId: remoteObjectOf(prototype).objectId,
      objectGroup: OBJECT_GROUP,
    });
    post('Runtime.callFunctionOn', {
      objectId: objects.objectId,
      functionDeclaration: 'function () { globalThis[Symbol.for("posix-multiprocessing.inspector")] = this; }',
      silent: true,
    });
    return (holder[HOLDER] as T[] | undefined) ?? [];
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
