// Where Queue.get() lands an item: a per-process slab that Buffers and typed
// arrays are returned as views of (as Node pools small Buffers), so a get copies
// the bytes once. Structured values are decoded in place and leave the slab
// free for the next item; they decode from one cached view of the landing spot,
// whose DataView the codec keeps (a fresh view and DataView per item cost about
// half a microsecond).
import { decodeStructured } from './codec';

const SLAB_BYTES = 128 * 1024;
/** A get offers at least this much room; a larger item gets a Buffer of its own. */
const SLAB_RESERVE = 16 * 1024;

class LandingSlab {
  buffer = Buffer.allocUnsafeSlow(SLAB_BYTES);
  /** Where the next item lands. */
  offset = 0;
  #view: Buffer | null = null;

  /** The slab, with at least SLAB_RESERVE bytes free at `offset`. */
  roomy(): Buffer {
    if (SLAB_BYTES - this.offset < SLAB_RESERVE) {
      this.buffer = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.offset = 0;
      this.#view = null;
    }
    return this.buffer;
  }

  /** The `length` bytes that landed, kept by the caller: later items land after them. */
  claim(length: number): Buffer {
    const bytes = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += (length + 7) & ~7; // aligned, so typed-array views need no copy
    this.#view = null;
    return bytes;
  }

  /** The structured value encoded in the `length` bytes that landed (the slab stays free). */
  decodeStructured(length: number): unknown {
    this.#view ??= this.buffer.subarray(this.offset);
    return decodeStructured(this.#view, length);
  }
}

export const landing = new LandingSlab();
