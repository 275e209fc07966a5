export const portableMemoryKernels = null as never;
