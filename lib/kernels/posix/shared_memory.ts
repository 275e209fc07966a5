// The posix shared-memory kernels (lib/kernels/memory.ts): named segments are
// POSIX shared memory (shm_open + mmap), registered with the resource tracker
// so that the tree's end unlinks them; cells are nameless memfd segments,
// inherited by fork or passed by fd, so nothing is left in /dev/shm.
import type { AnyTypedArray, CellsKernel, MemoryKernels, SegmentKernel, TypedArrayConstructor } from '../memory';
import type { KernelHandle } from '../sync';
import { native } from '../../internal/native';
import { CodedError } from '../../errors';
import { trackResource, untrackResource } from '../../resource_tracker';

class MappedSegment implements SegmentKernel {
  #unlinked = false;

  constructor(
    readonly name: string,
    readonly size: number,
    public buf: Buffer | null,
  ) {}

  read(offset: number, length: number): Buffer {
    return Buffer.from(this.buf!.subarray(offset, offset + length));
  }

  write(source: Uint8Array, offset: number): void {
    this.buf!.set(source, offset);
  }

  close(): void {
    const buf = this.buf;
    this.buf = null;
    if (buf) native.unmap(buf);
  }

  unlink(): void {
    native.shmUnlink(this.name);
    if (!this.#unlinked) {
      this.#unlinked = true;
      untrackResource('shm', this.name);
    }
  }
}

function openSegment(name: string, create: boolean, size: number): SegmentKernel {
  const fd = native.shmOpen(name, create ? 'create-exclusive' : 'open', create ? size : 0);
  try {
    const actual = create ? size : native.fdSize(fd);
    if (actual === 0)
      throw new CodedError('ERR_INVALID_ARG_VALUE', `shared memory '${name}' has size 0 and cannot be mapped`);
    if (create) trackResource('shm', name);
    return new MappedSegment(name, actual, native.mapShared(fd, actual));
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
}

const closeOnCollect = new FinalizationRegistry<number>((fd) => {
  try {
    native.close(fd);
  } catch {
    /* already closed */
  }
});

class MappedCells implements CellsKernel {
  readonly view: AnyTypedArray;

  constructor(
    type: TypedArrayConstructor,
    length: number,
    readonly fd: number,
  ) {
    const mapping = native.mapShared(fd, Math.max(1, length * type.BYTES_PER_ELEMENT));
    this.view = new type(mapping.buffer as ArrayBuffer, mapping.byteOffset, length) as AnyTypedArray;
    // The fd lets the cells be passed on again; it closes with the view.
    closeOnCollect.register(this.view, fd);
  }

  get(index: number): number | bigint {
    return this.view[index];
  }

  set(index: number, value: number | bigint): void {
    this.view[index] = value as never;
  }

  handle(): KernelHandle {
    return { state: null, fds: [this.fd] };
  }
}

export const posixMemoryKernels: MemoryKernels = {
  openSegment,
  cells: (type, length) =>
    new MappedCells(type, length, native.anonymousShared(Math.max(1, length * type.BYTES_PER_ELEMENT))),
  attachCells: (type, length, _state, fds) => new MappedCells(type, length, fds[0]),
};
