// The broker's own service: who it is and who is connected, for health checks,
// for flushing one-way sends (any call returns after them), and for tests.
import { defineService } from './services';
import { connectedClients } from './clients';

defineService('broker', {
  info: () => ({ pid: process.pid, clients: connectedClients().map((c) => c.pid) }),
  echo: (_ctx, value: unknown) => value,
});
