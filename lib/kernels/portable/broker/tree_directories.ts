// The private socket directories of the tree (Listener, Manager): each is
// registered when made and forgotten when its owner removes it; whatever is
// left when the broker ends (the whole tree has gone, however it went) is removed.
import fs from 'node:fs';
import { defineService } from './services';

const directories = new Set<string>();

defineService('treeDirectories', {
  add: (_ctx, directory: string) => {
    directories.add(directory);
  },
  forget: (_ctx, directory: string) => {
    directories.delete(directory);
  },
});

process.on('exit', () => {
  for (const directory of directories) fs.rmSync(directory, { recursive: true, force: true });
});
