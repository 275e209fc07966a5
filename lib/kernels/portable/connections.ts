// The portable connection kernels: broker-relayed pipes (connection.ts), and
// wait() over their ends and over processes. There are no fds to poll: the
// broker waits for the ends, this process for its children.
import { CodedError } from '../../errors';
import { call, callSync } from './crossing_sends';
import { deadlineOf, expired, remaining, sliceOf, type Timeout } from '../../wait/timeout';
import { notWaitable } from '../../connection/connection_errors';
import { BrokerConnection, attachedEnd, brokerPipe } from './connection';
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

/** The objects split by kind (indexes into the caller's list); refuses fds and other OS handles. */
function sorted(objects: unknown[]): { ends: number[]; ids: number[]; processes: number[] } {
  const ends: number[] = [];
  const ids: number[] = [];
  const processes: number[] = [];
  objects.forEach((object, i) => {
    if (object instanceof BrokerConnection) {
      if (object.closed) object.fileno(); // throws ERR_CONNECTION_CLOSED, as under posix
      ends.push(i);
      ids.push(object.id);
    } else if (isProcess(object)) processes.push(i);
    else if (typeof object === 'number' || (typeof object === 'object' && object !== null && 'fileno' in object))
      throw new CodedError(
        'ERR_BACKEND_UNSUPPORTED',
        'wait(): the portable backend waits on Connections and Processes, not on file descriptors',
      );
    else throw notWaitable();
  });
  return { ends, ids, processes };
}

function endedProcesses(objects: unknown[], processes: number[]): number[] {
  return processes.filter((i) => (objects[i] as ProcessLike).exitcode !== null);
}

async function waitForObjects(objects: unknown[], limit: Timeout): Promise<number[]> {
  const { ends, ids, processes } = sorted(objects);
  const readyNow = (endsReady: number[]): number[] =>
    [...endsReady.map((k) => ends[k]), ...endedProcesses(objects, processes)].sort((a, b) => a - b);
  if (processes.length === 0) return ((await call('pipe.wait', [ids, limit])) as number[]).map((k) => ends[k]);
  const first = readyNow(ids.length > 0 ? ((await call('pipe.wait', [ids, 0])) as number[]) : []);
  if (first.length > 0 || limit === 0) return first;
  const stop = new AbortController();
  const waits: Promise<unknown>[] = processes.map((i) => (objects[i] as ProcessLike).join(limit).catch(() => {}));
  if (ids.length > 0) waits.push(call('pipe.wait', [ids, limit], { signal: stop.signal }).catch(() => []));
  await Promise.race(waits);
  stop.abort();
  return readyNow(ids.length > 0 ? ((await call('pipe.wait', [ids, 0])) as number[]) : []);
}

function waitForObjectsSync(objects: unknown[], limit: Timeout): number[] {
  const { ends, ids, processes } = sorted(objects);
  if (processes.length === 0) return (callSync('pipe.wait', [ids, limit]) as number[]).map((k) => ends[k]);
  const deadline = deadlineOf(limit);
  for (;;) {
    // Look at the processes, then wait a slice on the connections (or the first process).
    for (const i of processes) (objects[i] as ProcessLike).joinSync(0);
    const slice = remaining(deadline) === 0 ? 0 : sliceOf(deadline, PROCESS_CHECK_MS);
    const endsReady =
      ids.length > 0 ? (callSync('pipe.wait', [ids, slice]) as number[]) : idle(objects, processes[0], slice);
    const ready = [...endsReady.map((k) => ends[k]), ...endedProcesses(objects, processes)].sort((a, b) => a - b);
    if (ready.length > 0 || expired(deadline)) return ready;
  }
}

/** Spends `ms` waiting on one process (a sync wait over processes alone). */
function idle(objects: unknown[], process: number, ms: number): number[] {
  if (ms > 0) (objects[process] as ProcessLike).joinSync(ms);
  return [];
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
  listen: () => {
    throw new CodedError('ERR_BACKEND_UNSUPPORTED', 'Listener is not available in the portable backend yet');
  },
  connect: () => {
    throw new CodedError('ERR_BACKEND_UNSUPPORTED', 'Client is not available in the portable backend yet');
  },
  connectSync: () => {
    throw new CodedError('ERR_BACKEND_UNSUPPORTED', 'clientSync is not available in the portable backend yet');
  },
};
