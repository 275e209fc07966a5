// The broker: one plain Node process per process tree, holding what the
// portable backend shares between processes (locks, queues, pipes, the
// names of shared-memory files). Started by the tree's first process
// (runtime.ts) with its address and key in the environment, it prints
// "ready" when it listens. Like a kernel object it outlives a root that
// dies; it exits once no process of its tree has been connected for
// EMPTY_GRACE_MS.
import fs from 'node:fs';
import net from 'node:net';
import { inheritedBrokerAddress, makeBrokerDirectory } from '../broker_address';
import { admit, connectedClients, placeDirectChannels } from './clients';
import './service_list';

/** Long enough for a child started just before its parent exited to connect. */
const EMPTY_GRACE_MS = 2000;
/** A broker nobody ever reached: its starter died before connecting. */
const FIRST_CLIENT_MS = 15000;

const broker = inheritedBrokerAddress();
if (broker === null) {
  process.stderr.write('posix-multiprocessing broker: started without an address; it is started by the library\n');
  process.exit(2);
}
const { address, key } = broker;
const directory = process.platform === 'win32' ? null : address.slice(0, address.lastIndexOf('/'));

// Made here, not by the starter: a starter killed before this process ran leaves nothing behind.
if (directory !== null) {
  try {
    makeBrokerDirectory(directory);
  } catch (err) {
    process.stderr.write(`posix-multiprocessing broker: cannot make ${directory}: ${(err as Error).message}\n`);
    process.exit(2);
  }
}

// directory is null only on Windows, where named pipes take the place of FIFOs.
placeDirectChannels(directory !== null ? { directory } : { pipes: true });

let emptyTimer: NodeJS.Timeout | null = setTimeout(shutDown, FIRST_CLIENT_MS);

function shutDown(): void {
  server.close();
  process.exit(0);
}

// Every way out (a crash included) takes the socket directory along.
process.on('exit', () => {
  if (directory !== null) fs.rmSync(directory, { recursive: true, force: true });
});

const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  admit(
    socket,
    key,
    () => {
      if (emptyTimer) clearTimeout(emptyTimer);
      emptyTimer = null;
    },
    () => {
      if (connectedClients().length === 0 && emptyTimer === null) emptyTimer = setTimeout(shutDown, EMPTY_GRACE_MS);
    },
  );
});

server.listen(address, () => {
  // The starter may be gone already (it exited before we listened): then nobody reads this.
  process.stdout.on('error', () => {});
  process.stdout.write('ready\n');
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, shutDown);
