'use strict';
// Under PMP_BACKEND=portable only the backend-neutral files run (test/helpers/portable_files.js);
// the others test the posix backend's internals.
const portable = process.env.PMP_BACKEND === 'portable';
const portableFiles = require('./test/helpers/portable_files');

module.exports = {
  spec: portable ? portableFiles.map((file) => `test/${file}`) : ['test/**/*.test.js'],
  require: ['test/helpers/root_hooks.js'],
  'node-option': ['single-threaded'],
  timeout: 30000,
  slow: 2000,
  reporter: 'spec',
  exit: true,
};
