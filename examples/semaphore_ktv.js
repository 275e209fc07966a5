// Four KTV rooms, thirteen guests: a Semaphore(4) lets at most four guests
// sing at a time; the others queue at the door.
// Run: node --single-threaded examples/semaphore_ktv.js
'use strict';
const { Semaphore, SharedMemory, posix } = require('posix-multiprocessing');

const rooms = new Semaphore(4);
const board = new SharedMemory({ create: true, size: 8 }); // [0] singing now, [1] most at once
const singing = new Int32Array(board.buf.buffer, board.buf.byteOffset, 2);
const nap = new Int32Array(new SharedArrayBuffer(4));

function sing(guest) {
  rooms.acquireSync();
  const now = Atomics.add(singing, 0, 1) + 1;
  for (let most = Atomics.load(singing, 1); now > most; most = Atomics.load(singing, 1)) {
    Atomics.compareExchange(singing, 1, most, now);
  }
  console.log(`guest ${guest} takes a room (${now} rooms busy)`);
  Atomics.wait(nap, 0, 0, 20 + Math.floor(Math.random() * 30)); // one song
  Atomics.sub(singing, 0, 1);
  console.log(`guest ${guest} leaves`);
  rooms.release();
}

const guests = [];
for (let guest = 1; guest <= 13; guest++) {
  const pid = posix.fork();
  if (pid === 0) {
    sing(guest);
    posix.exit(0);
  }
  guests.push(pid);
}
for (const pid of guests) posix.waitpid(pid);
console.log(`13 guests sang; at most ${singing[1]} rooms were busy at once`);
board.close();
board.unlink();
