// Four KTV rooms, thirteen guests: a Semaphore(4) lets at most four guests
// sing at a time; the others queue at the door.
// Run: node examples/semaphore_ktv.js
'use strict';
const { Process, Semaphore, RawArray, isMainProcess } = require('posix-multiprocessing');

const nap = new Int32Array(new SharedArrayBuffer(4));

function sing(rooms, board, guest) {
  // board[0]: rooms busy now, board[1]: most ever busy at once
  rooms.acquireSync();
  const now = Atomics.add(board, 0, 1) + 1;
  for (let most = Atomics.load(board, 1); now > most; most = Atomics.load(board, 1)) {
    Atomics.compareExchange(board, 1, most, now);
  }
  console.log(`guest ${guest} takes a room (${now} rooms busy)`);
  Atomics.wait(nap, 0, 0, 20 + Math.floor(Math.random() * 30)); // one song
  Atomics.sub(board, 0, 1);
  console.log(`guest ${guest} leaves`);
  rooms.release();
}

module.exports = { sing };

if (isMainProcess()) {
  const rooms = new Semaphore(4);
  const board = RawArray('i', 2);
  const guests = [];
  for (let guest = 1; guest <= 13; guest++) guests.push(new Process({ target: sing, args: [rooms, board, guest] }));
  for (const p of guests) p.start();
  Promise.all(guests.map((p) => p.join())).then(() => {
    console.log(`13 guests sang; at most ${board[1]} rooms were busy at once`);
  });
}
