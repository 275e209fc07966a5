// The manager's server process (Python's managers.Server): a daemon Process
// that listens on a unix socket, authenticates each connection with the
// manager's authkey, and serves each connection's calls independently on its
// event loop. Requests are [objectId, method, args]; object 0 is the server
// itself ('create'). Replies are [true, value] or [false, error] (errors cross as
// themselves: lib/reduction.ts).
import fs from 'node:fs';
import { Listener } from '../connection/listener';
import { acceptHandshake } from '../connection/connection_auth';
import { runTwinAsync } from '../wait/steps';
import type { Connection } from '../connection';
import { callManaged, createManaged, type ManagedType } from './managed_objects';
import { CodedError } from '../errors';

export interface ManagerServerConfig {
  /** Socket path to bind, inside `dir`. */
  address: string;
  /** The private directory holding the socket; removed when the server stops. */
  dir: string;
  authkey: Uint8Array;
  /** Told { ok: true, pid } once the server listens, or { ok: false, error } if it cannot. */
  ready: Connection;
}

export type ManagerRequest = [objectId: number, method: string, args: unknown[]];
export type ManagerReply = [ok: true, value: unknown] | [ok: false, error: unknown];

export const SERVER_OBJECT = 0;

class ManagedObjects {
  readonly #objects = new Map<number, { type: ManagedType; value: unknown }>();
  #nextId = 1;

  handle([objectId, method, args]: ManagerRequest): unknown {
    if (!Array.isArray(args))
      throw new CodedError('ERR_INVALID_ARG_TYPE', 'a manager request needs an array of arguments');
    if (objectId === SERVER_OBJECT) {
      if (method === 'create') {
        const [type, init] = args;
        const value = createManaged(type, init);
        const id = this.#nextId++;
        this.#objects.set(id, { type: type as ManagedType, value });
        return id;
      }
      throw new CodedError('ERR_UNKNOWN_METHOD', `the manager server has no method '${String(method)}'`);
    }
    const entry = this.#objects.get(objectId);
    if (!entry) throw new CodedError('ERR_UNKNOWN_OBJECT', `the manager holds no object with id ${objectId}`);
    return callManaged(entry.type, entry.value, method, args);
  }
}

async function serveConnection(conn: Connection, authkey: Buffer, objects: ManagedObjects): Promise<void> {
  try {
    await runTwinAsync(acceptHandshake(conn, authkey));
    for (;;) {
      const request = (await conn.recv()) as ManagerRequest;
      let reply: ManagerReply;
      try {
        reply = [true, objects.handle(request)];
      } catch (err) {
        reply = [false, err];
      }
      await conn.send(reply);
    }
  } catch {
    // The client went away (EOFError), failed to authenticate, or broke the
    // protocol: only this connection ends.
  } finally {
    conn.close();
  }
}

/** The server's target (exported: forkserver and spawn import it by name). Runs until SIGTERM. */
export async function managerServerMain(config: ManagerServerConfig): Promise<void> {
  const authkey = Buffer.from(config.authkey);
  let listener: Listener;
  try {
    listener = new Listener(config.address);
  } catch (err) {
    config.ready.sendSync({ ok: false, error: err });
    config.ready.close();
    process.exit(1); // never return: under fork that would unwind into the parent's code
  }
  const stop = (): void => {
    listener.close();
    fs.rmSync(config.dir, { recursive: true, force: true });
    process.exit(0);
  };
  // SIGTERM: shutdown(), or the parent ended (daemon children get SIGTERM then,
  // also when it was SIGKILLed). SIGINT is ignored, as in Python: Ctrl-C reaches
  // the whole process group, and the parent decides when the manager stops.
  // Under fork the server also inherits the parent's signal listeners: they are not its own.
  process.removeAllListeners('SIGTERM').on('SIGTERM', stop);
  process.removeAllListeners('SIGINT').on('SIGINT', () => {});
  config.ready.sendSync({ ok: true, pid: process.pid });
  config.ready.close();
  const objects = new ManagedObjects();
  for (;;) {
    let conn: Connection;
    try {
      conn = await listener.accept();
    } catch {
      return; // closed by stop()
    }
    void serveConnection(conn, authkey, objects);
  }
}
