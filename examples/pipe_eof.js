// Pipe with EOF handling: the child sends a few messages and closes its end;
// the parent receives until EOFError. The parent must close its own copy of
// the child's end first, or EOF never comes.
// Run: node --single-threaded examples/pipe_eof.js
'use strict';
const { Pipe, EOFError, posix } = require('posix-multiprocessing');

const [parentEnd, childEnd] = Pipe();

const pid = posix.fork();
if (pid === 0) {
  parentEnd.close();
  for (const msg of ['hello', [1, 2, 3], { done: false }]) childEnd.sendSync(msg);
  childEnd.close();
  posix.exit(0);
}

childEnd.close();
async function main() {
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
  posix.waitpid(pid);
}
main();
