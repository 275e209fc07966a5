// What each pool worker runs (Python's multiprocessing.pool.worker): take task
// chunks from its own inbox queue, run them, and send the results back in
// batches through the pool's result queue. While it runs a chunk, the worker's
// slot in a shared array holds the chunk's number, so if the worker dies the
// pool knows which task was lost (and that the others never started).
import { channels, dump } from '../reduction';
import { importExport, type FunctionRef } from '../internal/function_ref';
import { ChannelEnd, fdPassing, receiveFds, restoreFds } from './pool_fds';
import type { Queue } from '../queues';
import type { RunningSlots } from './running_slots';
import { NOT_READY, SpinPolicy, spinSync } from '../wait/spin_then_park';
import { packNumbers } from './number_chunks';
import './running_slots'; // registers the rebuilder of the slots in this worker's config

/** A chunk to run: [seq, function id, its import reference (first time only), star, items, fd count]. */
export type ChunkMessage = [
  seq: number,
  fnId: number,
  ref: FunctionRef | null,
  star: 0 | 1,
  items: unknown[] | Float64Array,
  nfds: number,
];
/**
 * A run of one-item chunks in one message (a map with chunksize 1, or many
 * apply() calls): chunk i has the seq firstSeq + i and the one item items[i].
 */
export type RunMessage = [
  run: -2,
  firstSeq: number,
  fnId: number,
  ref: FunctionRef | null,
  star: 0 | 1,
  items: unknown[] | Float64Array,
];
/** One chunk, a run of them, or [-1]: stop. */
export type TaskMessage = ChunkMessage | RunMessage | [-1];

/** The chunk at `at` of a run, as if it had come alone. */
function chunkOfRun([, firstSeq, fnId, ref, star, items]: RunMessage, at: number): ChunkMessage {
  return [firstSeq + at, fnId, at === 0 ? ref : null, star, [items[at]], 0];
}
/**
 * [seq, 1, results, ms] or [seq, 0, error, ms] (errors cross like any value:
 * lib/reduction.ts), then the worker's RSS in bytes when the pool asked for it;
 * or [firstSeq, RESULT_RUN, values, ms]: the one result of each of a run of
 * one-item chunks (chunk firstSeq + i gave [values[i]]), ms their total.
 */
export type ResultEntry = [seq: number, ok: 0 | 1 | typeof RESULT_RUN, payload: unknown, ms: number, rss?: number];
export const RESULT_RUN = 2;

export interface WorkerConfig {
  index: number;
  inbox: Queue<TaskMessage>;
  results: Queue<ResultEntry[]>;
  /** Slot `index`: the seq of the chunk this worker runs, NOT_RUNNING between chunks. */
  running: RunningSlots;
  /** null under portable, where no fd crosses. */
  channel: ChannelEnd | null;
  /** Under fork the function itself; otherwise an import reference. */
  initializer: Function | FunctionRef | null;
  initargs: unknown[];
  maxtasks: number | null;
  /** Under fork: the pool's closures by id, as they were when this worker was forked. */
  registry: Array<Function | undefined> | null;
  /** Report the resident set size with each result (the pool has maxMemoryPerChild). */
  reportMemory: boolean;
}

// A worker with more chunks waiting sends results in batches of up to this many,
// and sends as soon as its batch holds this much work: sending then costs
// little beside it, and a result never waits behind a slow chunk queued next.
const MAX_BATCH = 64;
const MAX_BATCH_MS = 1;

/** What a failed task reports: the error itself; a thrown non-Error value rides on an Error as `thrown`. */
function taskError(err: unknown): Error {
  if (err instanceof Error) return err;
  return Object.assign(new Error(`a pool task threw a non-Error value: ${String(err)}`), { thrown: err });
}

/** The run's values as one Float64Array when they are all numbers (pool/number_chunks.ts). */
const packRun = (entry: ResultEntry): ResultEntry =>
  entry[1] === RESULT_RUN ? [entry[0], RESULT_RUN, packNumbers(entry[2] as unknown[]) ?? entry[2], entry[3]] : entry;

/** A run as the single entries it stands for (each result then fails or crosses on its own). */
function unrolled(entry: ResultEntry): ResultEntry[] {
  if (entry[1] !== RESULT_RUN) return [entry];
  const values = entry[2] as unknown[];
  return values.map((value, i): ResultEntry => [entry[0] + i, 1, [value], entry[3] / values.length]);
}

/** Sends a batch; an entry whose result cannot be cloned becomes an ERR_UNCLONABLE error instead. */
function sendBatch(results: Queue<ResultEntry[]>, batch: ResultEntry[]): void {
  try {
    results.putSync(batch.map(packRun));
    return;
  } catch (err) {
    if ((err as { code?: string }).code !== 'ERR_UNCLONABLE') throw err;
  }
  const checked = batch.flatMap(unrolled).map((entry): ResultEntry => {
    try {
      dump(entry, channels.poolResult);
      return entry;
    } catch (err) {
      const error = taskError(err);
      error.message = `the task's result cannot be sent back to the pool: ${error.message}`;
      return [entry[0], 0, error, entry[3]];
    }
  });
  results.putSync(checked);
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  value !== null && typeof value === 'object' && typeof (value as PromiseLike<unknown>).then === 'function';

/**
 * Runs a chunk's tasks: their results, or a promise of them once a task returns
 * one. Small and synchronous on purpose: V8 optimises it after a few chunks,
 * where the loop inside the large async poolWorkerMain took a long optimising
 * compile (on the worker's own thread, under --single-threaded) in every new worker.
 */
function runChunk(fn: Function, args: ArrayLike<unknown>, star: 0 | 1): unknown[] | Promise<unknown[]> {
  const out = new Array(args.length);
  for (let i = 0; i < args.length; i++) {
    const value = star ? fn(...(args[i] as unknown[])) : fn(args[i]);
    if (isThenable(value)) return finishChunk(fn, args, star, out, i, value);
    out[i] = value;
  }
  return out;
}

async function finishChunk(
  fn: Function,
  args: ArrayLike<unknown>,
  star: 0 | 1,
  out: unknown[],
  at: number,
  pending: PromiseLike<unknown>,
): Promise<unknown[]> {
  out[at] = await pending;
  for (let i = at + 1; i < args.length; i++) {
    const value = star ? fn(...(args[i] as unknown[])) : fn(args[i]);
    out[i] = isThenable(value) ? await value : value;
  }
  return out;
}

export async function poolWorkerMain(config: WorkerConfig): Promise<void> {
  const { inbox, results, running, index, registry } = config;
  const channel = config.channel?.fd ?? -1;
  if (channel >= 0) fdPassing().setBlocking(channel);
  if (config.initializer) {
    const init =
      typeof config.initializer === 'function'
        ? config.initializer
        : await importExport(config.initializer, 'initializer');
    await init(...config.initargs);
  }
  const imported = new Map<number, Function>();
  const look = inbox.looker();
  const spinning = new SpinPolicy();
  let batch: ResultEntry[] = [];
  /** Tasks whose results the batch holds (a run holds several). */
  let batchTasks = 0;
  let batchMs = 0;
  let chunksDone = 0;
  let run: RunMessage | null = null;
  let runAt = 0;
  for (;;) {
    let message: TaskMessage | typeof NOT_READY;
    let fromRun = false;
    if (run !== null && runAt < run[5].length) {
      message = chunkOfRun(run, runAt++);
      fromRun = true;
    } else {
      run = null;
      message = inbox.tryGetNow();
    }
    if (message === NOT_READY) {
      if (batch.length > 0) {
        sendBatch(results, batch);
        batch = [];
        batchTasks = 0;
        batchMs = 0;
      }
      // A worker has nothing else to do: it may spin on its thread before it parks on its event loop.
      if (look) message = spinSync(look, spinning);
      if (message === NOT_READY) message = await inbox.get();
    }
    if (message[0] === -1) break;
    if (message[0] === -2) {
      run = message as RunMessage;
      runAt = 1;
      message = chunkOfRun(run, 0);
      fromRun = true;
    }
    const [seq, fnId, ref, star, items, nfds] = message as ChunkMessage;
    running.mark(index, seq);
    const started = performance.now();
    let entry: ResultEntry;
    try {
      let fn = registry?.[fnId] ?? imported.get(fnId);
      if (!fn) {
        try {
          if (!ref) throw new Error(`function ${fnId} is unknown to this worker`);
          fn = await importExport(ref, 'function');
        } catch (err) {
          fn = () => {
            throw err;
          }; // every task of this function fails the same way
        }
        imported.set(fnId, fn);
      }
      const args = nfds > 0 ? [restoreFds(items[0] as unknown[], receiveFds(channel, seq))] : items;
      let out = runChunk(fn, args, star);
      if (out instanceof Promise) out = await out;
      entry = [seq, 1, out, performance.now() - started];
    } catch (err) {
      entry = [seq, 0, taskError(err), performance.now() - started];
    }
    running.clear(index);
    chunksDone++;
    const ms = entry[3];
    const last = batch[batch.length - 1];
    if (entry[1] === 1 && fromRun && !config.reportMemory) {
      // The result of a one-item chunk of a run joins the run of results it follows.
      const value = (entry[2] as unknown[])[0];
      if (last?.[1] === RESULT_RUN && last[0] + (last[2] as unknown[]).length === seq) {
        (last[2] as unknown[]).push(value);
        last[3] += ms;
      } else batch.push([seq, RESULT_RUN, [value], ms]);
    } else {
      if (entry[1] === 1) entry[2] = packNumbers(entry[2] as unknown[]) ?? entry[2];
      if (config.reportMemory) entry[4] = process.memoryUsage.rss();
      batch.push(entry);
    }
    batchTasks++;
    batchMs += ms;
    if (batchTasks >= MAX_BATCH || batchMs >= MAX_BATCH_MS) {
      sendBatch(results, batch);
      batch = [];
      batchTasks = 0;
      batchMs = 0;
    }
    if (config.maxtasks !== null && chunksDone >= config.maxtasks) break;
  }
  if (batch.length > 0) sendBatch(results, batch);
}
