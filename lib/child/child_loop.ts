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

function stopTimersAndImmediates({ timerLists, immediates }: LoopQueues): void {
  for (const list of Object.values(timerLists ?? {})) {
    for (const timer of timersOf(list)) clearTimeout(timer as unknown as NodeJS.Timeout);
  }
  const pending: Linked[] = [];
  for (let item = immediates?.head ?? null; item; item = item._idleNext ?? null) pending.push(item);
  for (const immediate of pending) clearImmediate(immediate as unknown as NodeJS.Immediate);
  if (immediates) disarmRunningImmediate(immediates);
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
function disarmRunningImmediate(queue: ImmediateList): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { executionAsyncResource } = require('node:async_hooks') as typeof import('node:async_hooks');
  const running = executionAsyncResource() as Partial<ImmediateState>;
  if (running?.constructor?.name !== 'Immediate' || running._destroyed !== true) return;
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

/** Closes, without their 'close' listeners, the servers and sockets the parent's loop watches. */
function closeInheritedEndpoints(): void {
  // node:net is loaded here, not at start-up: most programs never fork this way.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const net = require('node:net') as typeof import('node:net');
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  for (const endpoint of handles) {
    if (!(endpoint instanceof net.Server || endpoint instanceof net.Socket)) continue;
    if (isStandardStream(endpoint)) continue; // the child's too
    const owner = endpoint as unknown as { _handle?: { close(): void } | null };
    const handle = owner._handle;
    if (!handle) continue;
    // The handle's own close, with no callback: the parent's listeners must
    // not run here. The parent keeps its copy of the fd.
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

/** Removes the parent's listeners of process events (signals included); the library's own stay. */
function dropParentProcessListeners(): void {
  for (const name of process.eventNames()) {
    if (typeof name !== 'string' || !(PROGRAM_EVENTS.has(name) || /^SIG[A-Z0-9]+$/.test(name))) continue;
    for (const listener of process.rawListeners(name)) {
      if (!isLibraryListener(listener)) process.removeListener(name, listener as (...args: unknown[]) => void);
    }
  }
}

let warmed = false;

/**
 * Called in the parent before its first fork: the inspector session and its
 * first calls cost a few milliseconds once, better paid once here than in
 * every child between fork and target.
 */
export function prepareToStopInheritedLoopWork(): void {
  if (warmed) return;
  warmed = true;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('node:net');
  findLoopQueues();
}

/** Stops, in this forked child, everything the parent's event loop was waiting for. */
export function stopInheritedLoopWork(): void {
  dropParentProcessListeners();
  closeInheritedEndpoints();
  const queues = findLoopQueues();
  if (queues === null) return;
  dropQueuedTicks(queues);
  stopTimersAndImmediates(queues);
}
