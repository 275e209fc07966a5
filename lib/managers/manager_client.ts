// How a process talks to a manager server: one connection for async calls
// (pipelined: the server answers a connection's requests in order) and one for
// Sync calls (a Sync call completes before anything else runs, so it never
// picks up an async call's reply). Both are per process: a forked child drops
// the ones it inherited and connects afresh. Remote errors are rebuilt with
// their code; a server that is gone gives ERR_MANAGER_GONE, never a hang.
import { Client, clientSync } from '../connection/listener';
import type { Connection } from '../connection';
import { registerAfterForkInChild } from '../child/after_fork';
import { CodedError, EOFError } from '../errors';
import { channels } from '../reduction';
import type { ManagerReply, ManagerRequest } from './manager_server';

/** What a proxy needs to reach its manager from any process. */
export interface ManagerRef {
  address: string;
  authkey: Buffer;
}

interface Session {
  asyncConn: Connection | null;
  connecting: Promise<Connection> | null;
  syncConn: Connection | null;
}

const sessions = new Map<string, Session>();
// Managers this process shut down: calls fail at once instead of trying to connect.
const shutDown = new Set<string>();

function closeSession(session: Session): void {
  session.asyncConn?.close();
  session.syncConn?.close();
  session.asyncConn = null;
  session.syncConn = null;
  session.connecting = null;
}

registerAfterForkInChild(() => {
  for (const session of sessions.values()) closeSession(session);
  sessions.clear();
});

function sessionFor(ref: ManagerRef): Session {
  let session = sessions.get(ref.address);
  if (!session) {
    session = { asyncConn: null, connecting: null, syncConn: null };
    sessions.set(ref.address, session);
  }
  return session;
}

/** Called by shutdown(): later calls from this process fail with ERR_MANAGER_GONE at once. */
export function forgetManager(address: string): void {
  shutDown.add(address);
  const session = sessions.get(address);
  if (session) closeSession(session);
  sessions.delete(address);
}

// ERR_CONNECTION_CLOSED: a call was pending when another call or shutdown() dropped the connection.
const GONE_CODES = new Set(['ENOENT', 'ECONNREFUSED', 'EPIPE', 'ECONNRESET', 'ENOTCONN', 'ERR_CONNECTION_CLOSED']);

function managerGone(address: string, why: string): CodedError {
  return new CodedError(
    'ERR_MANAGER_GONE',
    `the manager at '${address}' is gone (${why}): it was shut down or its server process died. ` +
      'Objects it held are lost; start a new Manager().',
  );
}

/** Turns a transport failure into ERR_MANAGER_GONE (dropping the broken connection); other errors pass. */
function translate(err: unknown, ref: ManagerRef, session: Session): unknown {
  const code = (err as { code?: string })?.code;
  if (err instanceof EOFError || (code && GONE_CODES.has(code))) {
    if (sessions.get(ref.address) === session) {
      closeSession(session);
      sessions.delete(ref.address);
    }
    return managerGone(
      ref.address,
      err instanceof EOFError ? 'the server closed the connection' : (err as Error).message,
    );
  }
  return err;
}

function checkNotShutDown(ref: ManagerRef): void {
  if (shutDown.has(ref.address)) throw managerGone(ref.address, 'shutdown() was called');
}

function unwrap(reply: ManagerReply): unknown {
  if (reply[0]) return reply[1];
  throw reply[1]; // as the server threw it (lib/reduction.ts)
}

async function asyncConnection(ref: ManagerRef, session: Session): Promise<Connection> {
  if (session.asyncConn) return session.asyncConn;
  if (!session.connecting) {
    session.connecting = Client(ref.address, { authkey: ref.authkey, channel: channels.manager }).then(
      (conn) => {
        session.asyncConn = conn;
        return conn;
      },
      (err) => {
        session.connecting = null;
        throw err;
      },
    );
  }
  return session.connecting;
}

/** Calls `method` on object `objectId` in the manager's server. */
export async function callManager(
  ref: ManagerRef,
  objectId: number,
  method: string,
  args: unknown[],
): Promise<unknown> {
  checkNotShutDown(ref);
  const session = sessionFor(ref);
  let reply: ManagerReply;
  try {
    const conn = await asyncConnection(ref, session);
    const request: ManagerRequest = [objectId, method, args];
    // Both turns are taken in this tick, so this call's reply is the next one read after the replies of earlier calls.
    const sent = conn.send(request);
    const received = conn.recv() as Promise<ManagerReply>;
    [, reply] = await Promise.all([sent, received]);
  } catch (err) {
    throw translate(err, ref, session);
  }
  return unwrap(reply);
}

/** callManager() blocking the calling thread. */
export function callManagerSync(ref: ManagerRef, objectId: number, method: string, args: unknown[]): unknown {
  checkNotShutDown(ref);
  const session = sessionFor(ref);
  let reply: ManagerReply;
  try {
    session.syncConn ??= clientSync(ref.address, { authkey: ref.authkey, channel: channels.manager });
    session.syncConn.sendSync([objectId, method, args] satisfies ManagerRequest);
    reply = session.syncConn.recvSync() as ManagerReply;
  } catch (err) {
    throw translate(err, ref, session);
  }
  return unwrap(reply);
}
