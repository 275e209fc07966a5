// Ticket grabbing: 12 buyers race for the 5 tickets listed in a JSON file.
// Reading, deciding and writing the file happens under one Lock, so exactly 5
// tickets are sold and none twice.
// Run: node --single-threaded examples/lock_ticket_grabbing.js
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Lock, posix } = require('posix-multiprocessing');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickets-'));
const file = path.join(dir, 'tickets.json');
fs.writeFileSync(file, JSON.stringify({ remaining: 5, sold: [] }));
const lock = new Lock();

function buy(buyer) {
  lock.acquireSync();
  try {
    const tickets = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (tickets.remaining === 0) {
      console.log(`buyer ${buyer}: sold out`);
      return;
    }
    tickets.remaining -= 1;
    tickets.sold.push(buyer);
    fs.writeFileSync(file, JSON.stringify(tickets));
    console.log(`buyer ${buyer}: got a ticket, ${tickets.remaining} left`);
  } finally {
    lock.release();
  }
}

const buyers = [];
for (let buyer = 1; buyer <= 12; buyer++) {
  const pid = posix.fork();
  if (pid === 0) {
    buy(buyer);
    posix.exit(0);
  }
  buyers.push(pid);
}
for (const pid of buyers) posix.waitpid(pid);

const result = JSON.parse(fs.readFileSync(file, 'utf8'));
console.log(`sold ${result.sold.length} tickets to buyers ${result.sold.join(', ')}; ${result.remaining} left`);
fs.rmSync(dir, { recursive: true });
