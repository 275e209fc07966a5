// The global key under which the first loaded copy of the library registers
// itself (see lib/internal/package_entry.ts). Versioned by the major API, so two
// incompatible copies in one process never meet.
export const LIBRARY_INSTANCE = Symbol.for('posix-multiprocessing@0');
// The same copy's other entries (posix-multiprocessing/futures), loaded on first use.
export const LIBRARY_SUBPATHS = Symbol.for('posix-multiprocessing@0/subpaths');

export interface LibrarySubpaths {
  futures(): typeof import('../futures');
}
