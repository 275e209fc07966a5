// SharedMemory (Python's multiprocessing.shared_memory.SharedMemory): a named
// shared-memory segment. Under posix it is POSIX shared memory and `buf` is a
// Buffer over the mapping itself (no copy); under portable it is a file in a
// private directory, reached through read() and write() (`buf` throws). Either
// way the segment is removed when the process tree ends, even if no one calls
// unlink() (posix: the resource tracker; portable: the broker).
import { CodedError, CodedTypeError } from './errors';
import { randomOsName } from './internal/os_names';
import { kernels } from './backend';
import { reduce, registerRebuilder, type Reduced } from './reduction';
import type { SegmentKernel } from './kernels/memory';

export interface SharedMemoryOptions {
  /** Without create, the segment to open. With create, omitted picks a fresh random name. */
  name?: string;
  /** Create a new segment (throws EEXIST if `name` exists). Default false. */
  create?: boolean;
  /** Bytes; required (> 0) with create, ignored otherwise (the segment's size is used). */
  size?: number;
}

function checkInteger(value: unknown, what: string, call: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new CodedTypeError(
      'ERR_INVALID_ARG_TYPE',
      `${call}: ${what} must be a non-negative integer, got ${typeof value === 'number' ? value : typeof value}`,
    );
  }
  return value;
}

export class SharedMemory {
  readonly name: string;
  readonly size: number;
  #segment: SegmentKernel;
  #closed = false;

  constructor(opts: SharedMemoryOptions = {}) {
    const { create = false } = opts;
    const size = opts.size ?? 0;
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) {
      throw new CodedError('ERR_INVALID_ARG_VALUE', `'size' must be a positive integer, got ${String(opts.size)}`);
    }
    if (create && size === 0) {
      throw new CodedError(
        'ERR_INVALID_ARG_VALUE',
        "'size' must be a positive number different from zero when creating",
      );
    }
    if (!create && opts.name == null) {
      throw new CodedError('ERR_INVALID_ARG_VALUE', "'name' can only be omitted when create is true");
    }
    if (opts.name != null && typeof opts.name !== 'string') {
      throw new CodedTypeError('ERR_INVALID_ARG_TYPE', `'name' must be a string, got ${typeof opts.name}`);
    }
    const name = (opts.name ?? randomOsName()).replace(/^\//, '');
    this.#segment = kernels().memory.openSegment(name, create, size);
    this.size = this.#segment.size;
    this.name = name;
  }

  #open(): SegmentKernel {
    if (this.#closed)
      throw new CodedError('ERR_SHARED_MEMORY_CLOSED', `shared memory '${this.name}' is closed in this process`);
    return this.#segment;
  }

  /** The segment's bytes (a view over the mapping; writes are seen by every process that maps it). Posix only. */
  get buf(): Buffer {
    const buf = this.#open().buf;
    if (buf === null) {
      throw new CodedError(
        'ERR_BACKEND_UNSUPPORTED',
        `SharedMemory.buf needs the posix backend (memory mapped into this process); under the portable backend ` +
          `use shm.read(offset, length) and shm.write(bytes, offset)`,
      );
    }
    return buf;
  }

  /** A copy of `length` bytes (default: to the end) from `offset` (default 0). */
  read(offset = 0, length?: number): Buffer {
    checkInteger(offset, 'offset', 'SharedMemory.read()');
    if (length !== undefined) checkInteger(length, 'length', 'SharedMemory.read()');
    const count = length ?? Math.max(0, this.size - offset);
    if (offset + count > this.size) {
      throw new CodedError(
        'ERR_OUT_OF_RANGE',
        `SharedMemory.read(${offset}, ${count}) reads past the end of shared memory '${this.name}' (${this.size} bytes)`,
      );
    }
    return this.#open().read(offset, count);
  }

  /** Copies `source` into the segment at `offset` (default 0); throws if it does not fit. */
  write(source: Uint8Array, offset = 0): void {
    if (!(source instanceof Uint8Array)) {
      throw new CodedTypeError(
        'ERR_INVALID_ARG_TYPE',
        `SharedMemory.write(source): source must be a Buffer or Uint8Array, got ${typeof source}`,
      );
    }
    checkInteger(offset, 'offset', 'SharedMemory.write()');
    if (offset + source.length > this.size) {
      throw new CodedError(
        'ERR_OUT_OF_RANGE',
        `SharedMemory.write() of ${source.length} bytes at ${offset} goes past the end of shared memory '${this.name}' (${this.size} bytes)`,
      );
    }
    this.#open().write(source, offset);
  }

  /** Ends this process's use of the segment; `buf` (and views over it) can no longer be used. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#segment.close();
  }

  /** Removes the name (once, from any process); open segments stay usable until closed. A second unlink throws ENOENT. */
  unlink(): void {
    this.#segment.unlink();
  }

  [Symbol.dispose](): void {
    this.close();
  }

  toString(): string {
    return `SharedMemory(name='${this.name}', size=${this.size})`;
  }

  [reduce](): Reduced {
    return { kind: 'SharedMemory', state: { name: this.name }, byName: true };
  }
}

registerRebuilder('SharedMemory', (state: { name: string }) => new SharedMemory({ name: state.name }));
