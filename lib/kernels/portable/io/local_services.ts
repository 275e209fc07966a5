// The services a process serves itself, in its I/O thread (io_thread.ts):
// what must live in that process (the children it started, its sockets)
// rather than in the broker. io/local_service_list.ts names them all.
import { ServiceRegistry, type Handler, type ServiceHooks } from '../service_registry';

export type { CallContext, ClientInfo, Handler, ServiceHooks } from '../service_registry';

export const localServices = new ServiceRegistry();

export function defineService(name: string, handlers: Record<string, Handler>, hooks?: ServiceHooks): void {
  localServices.define(name, handlers, hooks);
}
