// Ticket grabbing: 12 buyer processes race for the 5 tickets listed in a JSON
// file. Reading, deciding and writing the file happens under one Lock, so
// exactly 5 tickets are sold and none twice.
// Run: node examples/lock_ticket_grabbing.js
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Process, Lock, isMainProcess } = require('posix-multiprocessing');

function buy(lock, file, buyer) {
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

module.exports = { buy };

if (isMainProcess()) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tickets-'));
  const file = path.join(dir, 'tickets.json');
  fs.writeFileSync(file, JSON.stringify({ remaining: 5, sold: [] }));
  const lock = new Lock();
  const buyers = [];
  for (let buyer = 1; buyer <= 12; buyer++) buyers.push(new Process({ target: buy, args: [lock, file, buyer] }));
  for (const p of buyers) p.start();
  Promise.all(buyers.map((p) => p.join())).then(() => {
    const result = JSON.parse(fs.readFileSync(file, 'utf8'));
    console.log(`sold ${result.sold.length} tickets to buyers ${result.sold.join(', ')}; ${result.remaining} left`);
    fs.rmSync(dir, { recursive: true });
  });
}
