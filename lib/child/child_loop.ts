// A child forked inside start() inherits the parent's event loop: its pending
// timers, immediates and nextTick callbacks, the servers and sockets it
// watches. None of that is the child's: Python's fork child runs its target and
// nothing else. Before the target runs, each is stopped without a callback,
// and the parent's listeners of process events (exit, uncaughtException,
// signals) are removed.
// Node lists neither its timers nor its tick queue, so those are read from the
// scope of Node's own timer and nextTick functions through V8's inspector
// (a few calls, about a millisecond; walking the heap for them took ~100 ms).
import { closureVariable, inspectorSession } from '../internal/inspector_session';
import { isLibraryListener } from './after_fork';
import { isStandardStream } from '../internal/stdio';

/** A timer list or the immediate queue: a ring of items linked by _idleNext. */
interface Linked {
  _idleNext?: Linked | null;
}

/** A server or socket of node:net, through the field that holds its libuv handle. */
interface EndpointOwner {
  _handle?: { close(): void } | null;
}

/** A listener of a process event, with the event's name. */
type ProcessListener = [string, (...args: unknown[]) => void];

/** The timers of one list (a ring that starts and ends at the list itself). */
function timersOf(list: Linked): Linked[] {
  const timers: Linked[] = [];
  for (let item = list._idleNext; item && item !== list; item = item._idleNext) timers.push(item);
  return timers;
}

interface ImmediateList {
  head: Linked | null;
  remove(item: Linked): void;
}

/** What Node's processImmediate reads of an Immediate (lib/internal/timers.js). */
interface ImmediateState extends Linked {
  _destroyed: boolean;
  _onImmediate: (() => void) | null;
  _argv?: unknown[];
}

/**
 * Node's own timer, immediate and nextTick queues. Each is a constant of its
 * module, one object for the life of the process, so the parent finds them
 * once before its first fork and every child inherits the references: the
 * inspector walks (~6 ms) are not paid between a child's fork and its target.
 */
interface LoopQueues {
  timerLists: Record<string, Linked> | undefined;
  immediates: ImmediateList | undefined;
  ticks: { shift(): unknown } | undefined;
}

let loopQueues: LoopQueues | null = null;

/** The queues, or null where Node was built without the inspector. */
function findLoopQueues(): LoopQueues | null {
  if (loopQueues !== null || inspectorSession() === null) return loopQueues;
  loopQueues = {
    timerLists: closureVariable<Record<string, Linked>>(clearTimeout, 'timerListMap'),
    immediates: closureVariable<ImmediateList>(clearImmediate, 'immediateQueue'),
    ticks: closureVariable<{ shift(): unknown }>(process.nextTick, 'queue'),
  };
  return loopQueues;
}

function pendingTimers({ timerLists }: LoopQueues): Linked[] {
  return Object.values(timerLists ?? {}).flatMap(timersOf);
}

function pendingImmediates({ immediates }: LoopQueues): Linked[] {
  const pending: Linked[] = [];
  for (let item = immediates?.head ?? null; item; item = item._idleNext ?? null) pending.push(item);
  return pending;
}

/** The immediate whose callback is running now (the fork happened inside it), or null. */
function runningImmediate(): ImmediateState | null {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { executionAsyncResource } = require('node:async_hooks') as typeof import('node:async_hooks');
  const running = executionAsyncResource() as Partial<ImmediateState>;
  if (running?.constructor?.name !== 'Immediate' || running._destroyed !== true) return null;
  return running as ImmediateState;
}

/**
 * A fork inside an immediate callback that is not the first of its batch
 * leaves that callback, already marked as run, at the head of Node's list of
 * the batch's outstanding immediates. The child's first check phase would
 * start there and read the entry before it, which does not exist (Node aborts:
 * "FATAL ERROR: v8::ToLocalChecked Empty MaybeLocal"). Marked as not run, with
 * an empty body, the entry is passed over instead; the count of pending
 * immediates that pass takes one from is given back. The immediates queued
 * after it in the same batch are the parent's and are cleared like the others.
 */
function disarmRunningImmediate(running: ImmediateState, queue: ImmediateList): void {
  // The rest of its batch is the parent's too: it is linked from here, not from the queue.
  const batch: Linked[] = [];
  for (let item = running._idleNext ?? null; item; item = item._idleNext ?? null) batch.push(item);
  for (const immediate of batch) clearImmediate(immediate as unknown as NodeJS.Immediate);
  running._argv = undefined;
  running._onImmediate = () => {
    const counted = setImmediate(() => {}) as unknown as Linked;
    (counted as unknown as NodeJS.Immediate).unref();
    queue.remove(counted); // counted as pending, never run
  };
  running._destroyed = false;
}

/** Empties Node's nextTick queue: callbacks the parent queued before start(). */
function dropQueuedTicks({ ticks }: LoopQueues): void {
  if (ticks) while (ticks.shift() != null);
}

/** The servers and sockets the parent's loop watches (its standard streams aside), as their owners. */
function inheritedEndpoints(): EndpointOwner[] {
  // node:net is loaded here, not at start-up: most programs never fork this way.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const net = require('node:net') as typeof import('node:net');
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  return handles.filter(
    (endpoint): endpoint is EndpointOwner =>
      (endpoint instanceof net.Server || endpoint instanceof net.Socket) && !isStandardStream(endpoint),
  );
}

/** Closes each endpoint's handle without its 'close' listeners; the parent keeps its copy of the fd. */
function closeEndpoints(endpoints: EndpointOwner[]): void {
  for (const owner of endpoints) {
    const handle = owner._handle;
    if (!handle) continue;
    // The handle's own close, with no callback: the parent's listeners must not run here.
    owner._handle = null;
    try {
      handle.close();
    } catch {
      // already closing
    }
  }
}

// Process events whose listeners are the program's own: in the child they would
// be the parent's code (a test runner's uncaughtException handler carrying on
// with the parent's work, an 'exit' handler removing the parent's files).
// Node's own listeners on other events (newListener, warning) stay.
const PROGRAM_EVENTS = new Set([
  'exit',
  'beforeExit',
  'uncaughtException',
  'uncaughtExceptionMonitor',
  'unhandledRejection',
  'rejectionHandled',
  'message',
  'disconnect',
  'worker',
]);

/** The parent's listeners of process events (signals included); the library's own stay. */
function parentProcessListeners(): ProcessListener[] {
  const found: ProcessListener[] = [];
  for (const name of process.eventNames()) {
    if (typeof name !== 'string' || !(PROGRAM_EVENTS.has(name) || /^SIG[A-Z0-9]+$/.test(name))) continue;
    for (const listener of process.rawListeners(name)) {
      if (!isLibraryListener(listener)) found.push([name, listener as (...args: unknown[]) => void]);
    }
  }
  return found;
}

/**
 * What a forked child drops of its parent's, read from the process object and
 * Node's queues without changing them. The parent reads it once before its
 * first fork (prepareToStopInheritedLoopWork), so that each child finds this
 * code, and the calls into Node it makes, compiled: a child compiling them
 * itself took about a third of stopping the loop work.
 */
interface InheritedLoopWork {
  listeners: ProcessListener[];
  endpoints: EndpointOwner[];
  timers: Linked[];
  immediates: Linked[];
  runningImmediate: ImmediateState | null;
}

function inheritedLoopWork(queues: LoopQueues | null): InheritedLoopWork {
  return {
    listeners: parentProcessListeners(),
    endpoints: inheritedEndpoints(),
    timers: queues ? pendingTimers(queues) : [],
    immediates: queues ? pendingImmediates(queues) : [],
    runningImmediate: queues?.immediates ? runningImmediate() : null,
  };
}

let warmed = false;

/**
 * Called in the parent before its first fork: the inspector session and its
 * first calls cost a few milliseconds once, and reading what a child would
 * drop compiles what the child runs; better paid once here than in every
 * child between fork and target.
 */
export function prepareToStopInheritedLoopWork(): void {
  if (warmed) return;
  warmed = true;
  inheritedLoopWork(findLoopQueues());
}

/** Stops, in this forked child, everything the parent's event loop was waiting for. */
export function stopInheritedLoopWork(): void {
  const queues = findLoopQueues();
  const work = inheritedLoopWork(queues);
  for (const [name, listener] of work.listeners) process.removeListener(name, listener);
  closeEndpoints(work.endpoints);
  if (queues === null) return;
  dropQueuedTicks(queues);
  for (const timer of work.timers) clearTimeout(timer as unknown as NodeJS.Timeout);
  for (const immediate of work.immediates) clearImmediate(immediate as unknown as NodeJS.Immediate);
  if (work.runningImmediate && queues.immediates) disarmRunningImmediate(work.runningImmediate, queues.immediates);
}
