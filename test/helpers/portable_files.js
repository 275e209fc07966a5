'use strict';
// The test files whose meaning is the same under both backends: `PMP_BACKEND=portable npm test`
// runs these (see .mocharc.js). Files not listed test posix internals and run under posix only.
module.exports = [
  'process.test.js',
  'process_orphans.test.js',
  'backend_portable.test.js',
  'portable_runtime.test.js',
  'shared_memory_access.test.js',
  'synchronize_portable.test.js',
  'queues.test.js',
  'connection.test.js',
  'connection_wait.test.js',
  'queues_pipes_processes.test.js',
  'listener.test.js',
  'listener_address.test.js',
  'pool.test.js',
  'pool_tasks.test.js',
  'futures.test.js',
  'manager.test.js',
];
