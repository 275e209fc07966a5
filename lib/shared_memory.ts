// SharedMemory (Python's multiprocessing.shared_memory.SharedMemory): a named
// POSIX shared-memory segment; `buf` is a Buffer over the mapping itself (no
// copy). The creator registers the name with the resource tracker, so the
// segment is unlinked when the process tree ends even if no one calls unlink().
import { native } from './internal/native';
import { CodedError, CodedTypeError } from './errors';
import { randomOsName } from './internal/os_names';
import { trackResource, untrackResource } from './resource_tracker';
import { reduce, registerRebuilder, type Reduced } from './reduction';

export interface SharedMemoryOptions {
  /** Without create, the segment to open. With create, omitted picks a fresh random name. */
  name?: string;
  /** Create a new segment (throws EEXIST if `name` exists). Default false. */
  create?: boolean;
  /** Bytes; required (> 0) with create, ignored otherwise (the segment's size is used). */
  size?: number;
}

export class SharedMemory {
  readonly name: string;
  readonly size: number;
  #buf: Buffer | null;
  #unlinked = false;

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
    const fd = native.shmOpen(name, create ? 'create-exclusive' : 'open', create ? size : 0);
    try {
      const actual = create ? size : native.fdSize(fd);
      if (actual === 0)
        throw new CodedError('ERR_INVALID_ARG_VALUE', `shared memory '${name}' has size 0 and cannot be mapped`);
      if (create) trackResource('shm', name);
      this.#buf = native.mapShared(fd, actual);
      this.size = actual;
    } catch (err) {
      if (create) {
        try {
          native.shmUnlink(name);
          untrackResource('shm', name);
        } catch {
          /* best effort */
        }
      }
      throw err;
    } finally {
      native.close(fd);
    }
    this.name = name;
  }

  /** The segment's bytes (a view over the mapping; writes are seen by every process that maps it). */
  get buf(): Buffer {
    if (this.#buf === null)
      throw new CodedError('ERR_SHARED_MEMORY_CLOSED', `shared memory '${this.name}' is closed in this process`);
    return this.#buf;
  }

  /** Unmaps the segment in this process; `buf` (and views over it) can no longer be used. */
  close(): void {
    if (this.#buf === null) return;
    const buf = this.#buf;
    this.#buf = null;
    native.unmap(buf);
  }

  /** Removes the name (once, from any process); mappings stay valid until closed. A second unlink throws ENOENT. */
  unlink(): void {
    native.shmUnlink(this.name);
    if (!this.#unlinked) {
      this.#unlinked = true;
      untrackResource('shm', this.name);
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }

  toString(): string {
    return `SharedMemory(name='${this.name}', size=${this.size})`;
  }

  [reduce](): Reduced {
    return { kind: 'SharedMemory', state: { name: this.name } };
  }
}

registerRebuilder('SharedMemory', (state: { name: string }) => new SharedMemory({ name: state.name }));
