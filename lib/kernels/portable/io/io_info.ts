// The I/O thread's own service: a round trip that never leaves the process.
import { threadId } from 'node:worker_threads';
import { defineService } from './local_services';

defineService('io', {
  info: () => ({ pid: process.pid, threadId }),
});
