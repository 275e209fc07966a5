'use strict';
const assert = require('node:assert');
const path = require('node:path');
const { runNode } = require('./helpers/run_node');

function example(name) {
  // As a user runs them: plain `node`, the default (forkserver) start method.
  return runNode([path.join(__dirname, '..', 'examples', name)], { timeout: 30000, singleThreaded: false });
}

function lines(stdout, pattern) {
  return stdout.split('\n').filter((line) => pattern.test(line));
}

describe('synchronisation examples', function () {
  this.timeout(40000);

  it('lock_ticket_grabbing.js sells exactly the 5 available tickets to 5 different buyers', async function () {
    const { code, stdout, stderr } = await example('lock_ticket_grabbing.js');
    assert.strictEqual(code, 0, stderr);
    assert.strictEqual(lines(stdout, /got a ticket/).length, 5);
    assert.strictEqual(lines(stdout, /sold out/).length, 7);
    const [, buyers] = stdout.match(/sold 5 tickets to buyers ([\d, ]+); 0 left/);
    assert.strictEqual(new Set(buyers.split(', ')).size, 5);
  });

  it('semaphore_ktv.js never has more than 4 of the 13 guests inside', async function () {
    const { code, stdout, stderr } = await example('semaphore_ktv.js');
    assert.strictEqual(code, 0, stderr);
    assert.strictEqual(lines(stdout, /takes a room/).length, 13);
    const most = Number(stdout.match(/at most (\d+) rooms/)[1]);
    assert.ok(most >= 1 && most <= 4, `most at once: ${most}`);
    for (const line of lines(stdout, /takes a room/)) assert.ok(Number(line.match(/\((\d) rooms/)[1]) <= 4, line);
  });

  it('event_traffic_light.js lets every car cross, only after the light turned green', async function () {
    const { code, stdout, stderr } = await example('event_traffic_light.js');
    assert.strictEqual(code, 0, stderr);
    assert.strictEqual(lines(stdout, /crosses on green/).length, 5);
    assert.strictEqual(lines(stdout, /light: green/).length, 3);
    const all = stdout.split('\n');
    const firstGreen = all.indexOf('light: green');
    all.forEach((line, i) => {
      if (/crosses/.test(line)) assert.ok(i > firstGreen, `${line} before the first green`);
    });
    assert.match(stdout, /all 5 cars crossed/);
  });

  it('lock_ordered_printing.js prints ABC five times in strict order', async function () {
    const { code, stdout, stderr } = await example('lock_ordered_printing.js');
    assert.strictEqual(code, 0, stderr);
    assert.strictEqual(stdout.trim(), 'ABC'.repeat(5));
  });

  it('barrier_race.js starts each race only when all 4 runners are at the line, one bang per race', async function () {
    const { code, stdout, stderr } = await example('barrier_race.js');
    assert.strictEqual(code, 0, stderr);
    const events = lines(stdout, /bang|race \d/).map((line) =>
      /bang/.test(line) ? 'bang' : line.match(/race (\d)/)[1],
    );
    assert.deepStrictEqual(events, [
      'bang',
      '1',
      '1',
      '1',
      '1',
      'bang',
      '2',
      '2',
      '2',
      '2',
      'bang',
      '3',
      '3',
      '3',
      '3',
    ]);
  });
});
