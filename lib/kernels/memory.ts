// The shared-memory kernels (lib/kernel.ts): what a backend provides for
// SharedMemory (named segments) and Value/Array/RawValue/RawArray (cells of
// one typed-array type). The public classes (lib/shared_memory.ts,
// lib/sharedctypes.ts) check arguments and bounds and hold the error messages.
import type { KernelHandle } from './sync';

export type TypedArrayConstructor =
  | Int8ArrayConstructor
  | Uint8ArrayConstructor
  | Int16ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint32ArrayConstructor
  | BigInt64ArrayConstructor
  | BigUint64ArrayConstructor
  | Float32ArrayConstructor
  | Float64ArrayConstructor;

export type AnyTypedArray = InstanceType<TypedArrayConstructor>;

/** One named segment, open in this process. */
export interface SegmentKernel {
  readonly size: number;
  /** The segment's bytes mapped in this process; null where the backend cannot map (portable). */
  readonly buf: Buffer | null;
  /** A copy of `length` bytes at `offset` (checked to lie inside the segment). */
  read(offset: number, length: number): Buffer;
  /** Copies `source` to `offset` (checked to fit). */
  write(source: Uint8Array, offset: number): void;
  /** Ends this process's use of the segment. */
  close(): void;
  /** Removes the name; throws ENOENT once it is gone. */
  unlink(): void;
}

/** `length` elements of one typed-array type, shared between processes. */
export interface CellsKernel {
  /** A typed array over the shared bytes where the backend can map them (posix), else null. */
  readonly view: AnyTypedArray | null;
  get(index: number): number | bigint;
  set(index: number, value: number | bigint): void;
  handle(): KernelHandle;
}

export interface MemoryKernels {
  /** Opens (create: creates exclusively, EEXIST if it exists) the segment `name` (no leading '/'). */
  openSegment(name: string, create: boolean, size: number): SegmentKernel;
  /** Fresh zeroed cells, with no name anyone must unlink. */
  cells(type: TypedArrayConstructor, length: number): CellsKernel;
  /** The same cells in another process, from handle(). */
  attachCells(type: TypedArrayConstructor, length: number, state: unknown, fds: number[]): CellsKernel;
}
