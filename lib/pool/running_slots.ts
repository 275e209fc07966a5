// Where each pool worker marks the chunk it is running, so that when a worker
// dies the pool fails that chunk alone and runs the others elsewhere. A mark
// must survive its writer's SIGKILL and cost next to nothing per chunk, so the
// slots are the memory kernel's cells (lib/kernels/memory.ts), not messages:
// under posix a Float64Array over shared memory (a plain store, as fast as
// before the seam); under portable a file, one positioned write per mark that
// the pool reads back after the worker died (the page cache keeps it), with
// no broker round trip and no race against the worker's death.
import { kernels } from '../backend';
import { reduce, registerRebuilder, type Reduced } from '../reduction';
import type { CellsKernel } from '../kernels/memory';

/** A slot's value while its worker runs no chunk. */
export const NOT_RUNNING = -1;

export class RunningSlots {
  readonly #cells: CellsKernel;
  /** The cells mapped in this process (posix), else null: then each access goes through the kernel. */
  readonly #view: Float64Array | null;
  readonly length: number;

  /** New slots for `workers` workers, none running. */
  static create(workers: number): RunningSlots {
    const slots = new RunningSlots(kernels().memory.cells(Float64Array, workers), workers);
    for (let i = 0; i < workers; i++) slots.clear(i);
    return slots;
  }

  private constructor(cells: CellsKernel, length: number) {
    this.#cells = cells;
    this.#view = cells.view as Float64Array | null;
    this.length = length;
  }

  /** In the worker: it now runs chunk `seq`. */
  mark(index: number, seq: number): void {
    if (this.#view !== null) this.#view[index] = seq;
    else this.#cells.set(index, seq);
  }

  clear(index: number): void {
    this.mark(index, NOT_RUNNING);
  }

  /** The chunk the worker in slot `index` runs (or ran when it died), NOT_RUNNING for none. */
  running(index: number): number {
    return this.#view !== null ? this.#view[index] : (this.#cells.get(index) as number);
  }

  [reduce](): Reduced {
    const { state, fds } = this.#cells.handle();
    return { kind: 'PoolRunningSlots', state: { cells: state, length: this.length }, fds };
  }

  /** @internal the rebuilder's way in */
  static attach(state: { cells: unknown; length: number }, fds: number[]): RunningSlots {
    return new RunningSlots(kernels().memory.attachCells(Float64Array, state.length, state.cells, fds), state.length);
  }
}

registerRebuilder('PoolRunningSlots', (state: { cells: unknown; length: number }, fds: number[]) =>
  RunningSlots.attach(state, fds),
);
