// The services a process serves itself, in its I/O thread (io_thread.ts):
// what must live in that process (the children it started, its sockets)
// rather than in the broker. io/local_service_list.ts names them all.
import { ServiceRegistry, type Handler, type ServiceHooks } from '../service_registry';

export type { CallContext, ClientInfo, Handler, ServiceHooks } from '../service_registry';

export const localServices = new ServiceRegistry();

/** Their names, for the calling thread to tell which calls reach the broker (runtime.ts counts them). */
export const LOCAL_SERVICES: ReadonlySet<string> = new Set(['io', 'process', 'socket']);

export function isLocalCall(op: string): boolean {
  return LOCAL_SERVICES.has(op.slice(0, op.indexOf('.')));
}

export function defineService(name: string, handlers: Record<string, Handler>, hooks?: ServiceHooks): void {
  if (!LOCAL_SERVICES.has(name)) throw new Error(`the local service '${name}' is missing from LOCAL_SERVICES`);
  localServices.define(name, handlers, hooks);
}
