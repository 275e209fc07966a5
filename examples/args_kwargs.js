// Passing positional arguments (args) and keyword arguments (kwargs) to a target.
// Run: node examples/args_kwargs.js
'use strict';
const { Process, isMainProcess } = require('posix-multiprocessing');

function greet(name, times, { punctuation = '.' } = {}) {
  for (let i = 0; i < times; i++) console.log(`hello ${name}${punctuation}`);
}

module.exports = { greet };

if (isMainProcess()) {
  const p = new Process({ target: greet, args: ['Ada', 2], kwargs: { punctuation: '!' } });
  p.start();
  p.joinSync();
  console.log(`exitcode ${p.exitcode}`);
}
