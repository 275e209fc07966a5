// The resource tracker process (see resource_tracker.ts). Reads REGISTER /
// UNREGISTER lines from the pipe on fd 3; at EOF (no process of the tree holds
// the write end any more) it unlinks everything still registered and exits.
import fs from 'node:fs';
import net from 'node:net';
import { native } from './native';

const registered = new Set<string>();

function unlinkAll(): void {
  for (const key of registered) {
    const colon = key.indexOf(':');
    const kind = key.slice(0, colon);
    const name = key.slice(colon + 1);
    try {
      if (kind === 'shm') native.shmUnlink(name);
      else if (kind === 'sem') native.semUnlink(name);
      else if (kind === 'dir') fs.rmSync(name, { recursive: true, force: true });
    } catch {
      // already unlinked by someone else: nothing to do
    }
  }
  registered.clear();
}

function apply(line: string): void {
  const first = line.indexOf(':');
  const op = line.slice(0, first);
  const key = line.slice(first + 1);
  if (op === 'REGISTER') registered.add(key);
  else if (op === 'UNREGISTER') registered.delete(key);
}

// Killing the tree's process group or pressing Ctrl-C must not stop the cleanup.
process.on('SIGINT', () => {});
process.on('SIGTERM', () => {});
process.on('SIGHUP', () => {});

const input = new net.Socket({ fd: 3, readable: true, writable: false });
let pending = '';
input.setEncoding('utf8');
input.on('data', (chunk: string) => {
  pending += chunk;
  let newline;
  while ((newline = pending.indexOf('\n')) >= 0) {
    apply(pending.slice(0, newline));
    pending = pending.slice(newline + 1);
  }
});
const finish = (): void => {
  unlinkAll();
  process.exit(0);
};
input.on('end', finish);
input.on('error', finish);
