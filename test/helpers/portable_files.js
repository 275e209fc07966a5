'use strict';
// The test files whose meaning is the same under both backends: `PMP_BACKEND=portable npm test`
// runs these (see .mocharc.js). Files not listed test posix internals and run under posix only.
module.exports = ['portable_runtime.test.js', 'process.test.js', 'process_orphans.test.js', 'backend_portable.test.js'];
