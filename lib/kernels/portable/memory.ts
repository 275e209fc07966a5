// The portable shared-memory kernels (lib/kernels/memory.ts): without the
// addon nothing can be mapped, so a segment is a file in a directory only
// this user can enter (0700; files created O_EXCL, 0600), read and written at
// offsets. Cells (Value/Array) are such files too, with random names. The
// broker records every file created in the tree and unlinks the leftovers when
// the tree ends (broker/shm.ts), also after a SIGKILL of their creator.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CellsKernel, MemoryKernels, SegmentKernel, TypedArrayConstructor } from '../memory';
import type { KernelHandle } from '../sync';
import { CodedError } from '../../errors';
import { randomOsName } from '../../internal/os_names';
import { send } from './runtime';

let directory: string | null = null;

/** This user's private directory for shared-memory files, made (and checked) on first use. */
export function sharedMemoryDirectory(): string {
  if (directory !== null) return directory;
  const user = process.getuid?.() ?? os.userInfo().username;
  const dir = path.join(os.tmpdir(), `pmp-shm-${user}`);
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  // Someone else's directory, or a link planted in its place, would expose the files.
  const stat = fs.lstatSync(dir);
  const mine = process.getuid === undefined || stat.uid === process.getuid();
  if (!stat.isDirectory() || !mine || (process.platform !== 'win32' && (stat.mode & 0o077) !== 0)) {
    throw new CodedError(
      'ERR_INVALID_ARG_VALUE',
      `${dir} is not a private directory of this user (mode 0700); remove it so that it can be made again`,
    );
  }
  directory = dir;
  return dir;
}

function fileOf(name: string): string {
  if (name === '' || /[/\\]/.test(name) || name === '.' || name === '..') {
    throw new CodedError('ERR_INVALID_ARG_VALUE', `'${name}' cannot name shared memory: use a name without / or \\`);
  }
  return path.join(sharedMemoryDirectory(), name);
}

/** Creates `file` exclusively with `size` zero bytes, recorded by the broker. */
function createFile(file: string, size: number): number {
  const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
  send('shm.created', [file]);
  try {
    fs.ftruncateSync(fd, size);
  } catch (err) {
    fs.closeSync(fd);
    fs.unlinkSync(file);
    send('shm.unlinked', [file]);
    throw err;
  }
  return fd;
}

function readAt(fd: number, offset: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, out, done, length - done, offset + done);
    if (n === 0) break; // past the end of a file someone truncated: zeros, as fresh memory
    done += n;
  }
  return out;
}

function writeAt(fd: number, source: Uint8Array, offset: number): void {
  let done = 0;
  while (done < source.length) done += fs.writeSync(fd, source, done, source.length - done, offset + done);
}

class FileSegment implements SegmentKernel {
  readonly buf = null;
  #fd: number;

  constructor(
    readonly file: string,
    readonly size: number,
    fd: number,
  ) {
    this.#fd = fd;
  }

  read(offset: number, length: number): Buffer {
    return readAt(this.#fd, offset, length);
  }

  write(source: Uint8Array, offset: number): void {
    writeAt(this.#fd, source, offset);
  }

  close(): void {
    fs.closeSync(this.#fd);
    this.#fd = -1;
  }

  unlink(): void {
    fs.unlinkSync(this.file);
    send('shm.unlinked', [this.file]);
  }
}

function openSegment(name: string, create: boolean, size: number): SegmentKernel {
  const file = fileOf(name);
  if (create) return new FileSegment(file, size, createFile(file, size));
  const fd = fs.openSync(file, 'r+');
  const actual = fs.fstatSync(fd).size;
  if (actual === 0) {
    fs.closeSync(fd);
    throw new CodedError('ERR_INVALID_ARG_VALUE', `shared memory '${name}' has size 0 and cannot be mapped`);
  }
  return new FileSegment(file, actual, fd);
}

const closeOnCollect = new FinalizationRegistry<number>((fd) => {
  try {
    fs.closeSync(fd);
  } catch {
    /* already closed */
  }
});

class FileCells implements CellsKernel {
  readonly view = null;
  readonly #fd: number;
  readonly #width: number;
  /** One element's bytes, read and written through a typed array of the cells' type. */
  readonly #scratch: Buffer;
  readonly #element: InstanceType<TypedArrayConstructor>;

  constructor(
    type: TypedArrayConstructor,
    readonly name: string,
    fd: number,
  ) {
    this.#fd = fd;
    this.#width = type.BYTES_PER_ELEMENT;
    this.#scratch = Buffer.alloc(this.#width);
    this.#element = new type(this.#scratch.buffer as ArrayBuffer, this.#scratch.byteOffset, 1);
    closeOnCollect.register(this, fd);
  }

  get(index: number): number | bigint {
    this.#scratch.set(readAt(this.#fd, index * this.#width, this.#width));
    return this.#element[0];
  }

  set(index: number, value: number | bigint): void {
    this.#element[0] = value as never;
    writeAt(this.#fd, this.#scratch, index * this.#width);
  }

  handle(): KernelHandle {
    return { state: { name: this.name }, fds: [] };
  }
}

export const portableMemoryKernels: MemoryKernels = {
  openSegment,
  cells: (type, length) => {
    const name = randomOsName();
    return new FileCells(type, name, createFile(fileOf(name), Math.max(1, length * type.BYTES_PER_ELEMENT)));
  },
  attachCells: (type, _length, state) => {
    const { name } = state as { name: string };
    return new FileCells(type, name, fs.openSync(fileOf(name), 'r+'));
  },
};
