'use strict';
const assert = require('node:assert/strict');
const path = require('node:path');
const { runNode } = require('./helpers/run_node');

const example = (name) => path.join(__dirname, '..', 'examples', name);

async function run(name) {
  const result = await runNode([example(name)]);
  assert.equal(result.code, 0, `${name} exited with ${result.code}: ${result.stderr}`);
  return result.stdout;
}

describe('message-passing examples', () => {
  it('queue_producer_consumer: the consumer gets every item before the sentinel', async () => {
    assert.match(await run('queue_producer_consumer.js'), /consumer got 10 items: 0 1 4 9 16 25 36 49 64 81\ndone/);
  });

  it('queue_many_producers_consumers: consumers got every item exactly once', async () => {
    const out = await run('queue_many_producers_consumers.js');
    assert.match(out, /items got: 3000 \(expected 3000\)/);
    assert.match(out, /sum: 1501500 \(expected 1501500\)/);
  });

  it('joinable_queue: join() returns once daemon consumers have done every task', async () => {
    const out = await run('joinable_queue.js');
    assert.match(out, /all tasks done; 20 results\nsum of squares: 2870\nmain exits/);
  });

  it('queue_full_empty: Full after maxsize puts, Empty once drained', async () => {
    const out = await run('queue_full_empty.js');
    assert.match(out, /put 3 \(qsize 3, full: true\)\nput 4: Full/);
    assert.match(out, /got 3 \(empty: true\)\nget: Empty/);
  });

  it('queue_writer_reader: the reader prints what the writer wrote, both exit 0', async () => {
    const out = await run('queue_writer_reader.js');
    assert.deepEqual(
      [...out.matchAll(/reader: (\w+)/g)].map((m) => m[1]),
      ['alpha', 'beta', 'gamma'],
    );
    assert.match(out, /writer exited with 0/);
    assert.match(out, /reader exited with 0/);
  });

  it('pipe_eof: every message arrives, then EOF', async () => {
    const out = await run('pipe_eof.js');
    assert.match(out, /received "hello"\nreceived \[1,2,3\]\nreceived \{"done":false\}\nEOF: the child closed its end/);
  });

  it('pipe_producer_consumer: the consumer iterates until the producer closes', async () => {
    const out = await run('pipe_producer_consumer.js');
    assert.equal([...out.matchAll(/consumed job (\d)/g)].length, 5);
    assert.match(out, /producer closed the pipe after 5 jobs/);
  });

  it('shared_counter: four processes add 1000 each under the lock, none lost', async () => {
    assert.match(await run('shared_counter.js'), /counter: 4000 \(expected 4000\)/);
  });
});
