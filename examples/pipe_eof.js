// Pipe with EOF handling: the child sends a few messages and closes its end;
// the parent receives until EOFError. The parent closes its own copy of the
// child's end first, or EOF would never come.
// Run: node examples/pipe_eof.js
'use strict';
const { Process, Pipe, EOFError, isMainProcess } = require('posix-multiprocessing');

function talk(conn) {
  for (const msg of ['hello', [1, 2, 3], { done: false }]) conn.sendSync(msg);
  conn.close();
}

module.exports = { talk };

if (isMainProcess()) {
  (async () => {
    const [parentEnd, childEnd] = Pipe();
    const child = new Process({ target: talk, args: [childEnd] });
    child.start();
    childEnd.close();
    for (;;) {
      try {
        console.log('received', JSON.stringify(await parentEnd.recv()));
      } catch (err) {
        if (!(err instanceof EOFError)) throw err;
        console.log('EOF: the child closed its end');
        break;
      }
    }
    parentEnd.close();
    await child.join();
  })();
}
