// The broker's record of the shared-memory files of its tree (../memory.ts):
// every file created is registered; unlink() forgets it; whatever is left when
// the broker ends (the whole tree has gone, however it went) is unlinked.
import fs from 'node:fs';
import { defineService } from './services';

const files = new Set<string>();

defineService('shm', {
  created: (_ctx, file: string) => {
    files.add(file);
  },
  unlinked: (_ctx, file: string) => {
    files.delete(file);
  },
});

process.on('exit', () => {
  for (const file of files) {
    try {
      fs.unlinkSync(file);
    } catch {
      // already gone
    }
  }
});
