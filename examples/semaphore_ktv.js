// Four KTV rooms, thirteen guests: a Semaphore(4) lets at most four guests
// sing at a time; the others queue at the door.
// Run: node examples/semaphore_ktv.js
'use strict';
const { Process, Semaphore, Array: SharedArray, isMainProcess } = require('posix-multiprocessing');

const nap = new Int32Array(new SharedArrayBuffer(4));

/** board[index] += delta under the board's own lock; returns the new value. */
function add(board, index, delta) {
  const lock = board.getLock();
  lock.acquireSync();
  try {
    board[index] += delta;
    if (board[0] > board[1]) board[1] = board[0];
    return board[index];
  } finally {
    lock.release();
  }
}

function sing(rooms, board, guest) {
  // board[0]: rooms busy now, board[1]: most ever busy at once
  rooms.acquireSync();
  const now = add(board, 0, 1);
  console.log(`guest ${guest} takes a room (${now} rooms busy)`);
  Atomics.wait(nap, 0, 0, 20 + Math.floor(Math.random() * 30)); // one song
  add(board, 0, -1);
  console.log(`guest ${guest} leaves`);
  rooms.release();
}

module.exports = { sing };

if (isMainProcess()) {
  const rooms = new Semaphore(4);
  const board = SharedArray('i', 2); // with a lock: works under both backends
  const guests = [];
  for (let guest = 1; guest <= 13; guest++) guests.push(new Process({ target: sing, args: [rooms, board, guest] }));
  for (const p of guests) p.start();
  Promise.all(guests.map((p) => p.join())).then(() => {
    console.log(`13 guests sang; at most ${board[1]} rooms were busy at once`);
  });
}
