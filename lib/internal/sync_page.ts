// The shared memory behind one synchronisation primitive: a page of 32-bit
// words with no name (memfd), so nothing is left in /dev/shm and nothing needs
// unlinking, ever. It reaches other processes by fork (inherited mapping) or by
// passing its fd (reduction.ts sends fds with SCM_RIGHTS). The fd stays open as
// long as the object lives, so the object can be passed on again.
import { native } from './native';

export const PAGE_BYTES = 4096;

const closeFdWhenCollected = new FinalizationRegistry<number>((fd) => {
  try {
    native.close(fd);
  } catch {
    // already closed
  }
});

export class SyncPage {
  readonly buf: Buffer;
  readonly words: Int32Array;
  readonly fd: number;

  private constructor(fd: number) {
    this.fd = fd;
    this.buf = native.mapShared(fd, PAGE_BYTES);
    this.words = new Int32Array(this.buf.buffer, this.buf.byteOffset, PAGE_BYTES / 4);
    closeFdWhenCollected.register(this, fd);
  }

  /** A zeroed page in fresh anonymous shared memory. */
  static create(): SyncPage {
    return new SyncPage(native.anonymousShared(PAGE_BYTES));
  }

  /** The page behind an fd received from another process (the page takes the fd). */
  static fromFd(fd: number): SyncPage {
    return new SyncPage(fd);
  }
}
