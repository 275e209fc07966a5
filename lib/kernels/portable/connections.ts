// The portable connection kernels: broker-relayed pipes and I/O-thread
// sockets (connection.ts, listener.ts), and wait() over their ends and over
// processes. There are no fds to poll: each relay waits for its ends, this
// process for its children.
import { CodedError } from '../../errors';
import { call, callSync } from './crossing_sends';
import { deadlineOf, expired, remaining, sliceOf, type Timeout } from '../../wait/timeout';
import { notWaitable } from '../../connection/connection_errors';
import { RelayedConnection, attachedEnd, brokerPipe, type Relay } from './connection';
import { SocketListener, socketConnect, socketConnectSync } from './listener';
import type { ConnectionKernels } from '../connections';

/** What wait() can wait on here besides connections: a Process (ready once it has ended). */
interface ProcessLike {
  readonly exitcode: number | null;
  join(timeout?: number | null): Promise<void>;
  joinSync(timeout?: number | null): void;
}

// A sync wait over processes and connections looks at the processes this often.
const PROCESS_CHECK_MS = 10;

function isProcess(object: unknown): object is ProcessLike {
  return (
    typeof object === 'object' &&
    object !== null &&
    'exitcode' in object &&
    typeof (object as ProcessLike).join === 'function' &&
    typeof (object as ProcessLike).joinSync === 'function'
  );
}

/** The ends of one relay among the waited objects: their indexes there, and their ids. */
interface RelayGroup {
  relay: Relay;
  at: number[];
  ids: number[];
}

/** The objects split by kind (indexes into the caller's list); refuses fds and other OS handles. */
function sorted(objects: unknown[]): { groups: RelayGroup[]; processes: number[] } {
  const groups = new Map<Relay, RelayGroup>();
  const processes: number[] = [];
  objects.forEach((object, i) => {
    if (object instanceof RelayedConnection) {
      if (object.closed) object.fileno(); // throws ERR_CONNECTION_CLOSED, as under posix
      let group = groups.get(object.relay);
      if (!group) groups.set(object.relay, (group = { relay: object.relay, at: [], ids: [] }));
      group.at.push(i);
      group.ids.push(object.id);
    } else if (isProcess(object)) processes.push(i);
    else if (typeof object === 'number' || (typeof object === 'object' && object !== null && 'fileno' in object))
      throw new CodedError(
        'ERR_BACKEND_UNSUPPORTED',
        'wait(): the portable backend waits on Connections and Processes, not on file descriptors',
      );
    else throw notWaitable();
  });
  return { groups: [...groups.values()], processes };
}

const inOrder = (indexes: number[]): number[] => indexes.sort((a, b) => a - b);

async function readyIn(group: RelayGroup, limit: Timeout, signal?: AbortSignal): Promise<number[]> {
  const ready = (await call(`${group.relay}.wait`, [group.ids, limit], { signal })) as number[];
  return ready.map((k) => group.at[k]);
}

function readyInSync(group: RelayGroup, limit: Timeout): number[] {
  return (callSync(`${group.relay}.wait`, [group.ids, limit]) as number[]).map((k) => group.at[k]);
}

function endedProcesses(objects: unknown[], processes: number[]): number[] {
  return processes.filter((i) => (objects[i] as ProcessLike).exitcode !== null);
}

async function readyNow(objects: unknown[], groups: RelayGroup[], processes: number[]): Promise<number[]> {
  const ends = await Promise.all(groups.map((group) => readyIn(group, 0)));
  return inOrder([...ends.flat(), ...endedProcesses(objects, processes)]);
}

async function waitForObjects(objects: unknown[], limit: Timeout): Promise<number[]> {
  const { groups, processes } = sorted(objects);
  if (processes.length === 0 && groups.length === 1) return inOrder(await readyIn(groups[0], limit));
  const first = await readyNow(objects, groups, processes);
  if (first.length > 0 || limit === 0 || objects.length === 0) return first;
  const stop = new AbortController();
  await Promise.race([
    ...processes.map((i) => (objects[i] as ProcessLike).join(limit).catch(() => {})),
    ...groups.map((group) => readyIn(group, limit, stop.signal).catch(() => [])),
  ]);
  stop.abort();
  return readyNow(objects, groups, processes);
}

function waitForObjectsSync(objects: unknown[], limit: Timeout): number[] {
  const { groups, processes } = sorted(objects);
  if (processes.length === 0 && groups.length === 1) return inOrder(readyInSync(groups[0], limit));
  const deadline = deadlineOf(limit);
  for (;;) {
    // Look at the processes, then wait a slice on one relay's ends (or the first process).
    for (const i of processes) (objects[i] as ProcessLike).joinSync(0);
    const slice = remaining(deadline) === 0 ? 0 : sliceOf(deadline, PROCESS_CHECK_MS);
    const ends = groups.flatMap((group, k) => readyInSync(group, k === 0 ? slice : 0));
    if (groups.length === 0 && processes.length > 0 && slice > 0)
      (objects[processes[0]] as ProcessLike).joinSync(slice);
    const ready = inOrder([...ends, ...endedProcesses(objects, processes)]);
    if (ready.length > 0 || expired(deadline) || objects.length === 0) return ready;
  }
}

export const brokerConnections: ConnectionKernels = {
  pipe: () => brokerPipe(),
  fromFd: () => {
    throw new CodedError(
      'ERR_BACKEND_UNSUPPORTED',
      'new Connection(fd) needs the posix backend: under the portable backend use Pipe(), Listener or Client',
    );
  },
  attach: (state) => attachedEnd(state),
  wait: waitForObjects,
  waitSync: waitForObjectsSync,
  listen: (address, backlog) => new SocketListener(address, backlog),
  connect: socketConnect,
  connectSync: socketConnectSync,
};
