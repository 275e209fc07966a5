// The services the broker serves: each broker/<service>.ts calls defineService,
// and broker/service_list.ts names them all.
import { ServiceRegistry, type Handler, type ServiceHooks } from '../service_registry';

export type { CallContext, ClientInfo, Handler, ServiceHooks } from '../service_registry';

export const brokerServices = new ServiceRegistry();

export function defineService(name: string, handlers: Record<string, Handler>, hooks?: ServiceHooks): void {
  brokerServices.define(name, handlers, hooks);
}
