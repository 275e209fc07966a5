// The services of the portable backend: named groups of handlers, served
// either by the broker (process-shared state) or by a process's own I/O
// thread (what must live in that process: its children, its sockets). A
// call names its handler as '<service>.<method>'.
import { CodedError } from '../../errors';

/** One connected process (one client per process and thread that uses the runtime). */
export interface ClientInfo {
  readonly id: number;
  readonly pid: number;
}

export interface CallContext {
  readonly client: ClientInfo;
  /** Aborted when the caller cancels the call or its process goes away: stop waiting, change nothing more. */
  readonly signal: AbortSignal;
}

export type Handler = (ctx: CallContext, ...args: any[]) => unknown;

export interface ServiceHooks {
  /** The client's process exited or died: release what it held. */
  clientGone?(client: ClientInfo): void;
}

/**
 * The context of one call. Its AbortController is made only when a handler
 * asks for the signal: most calls answer at once and never need one.
 */
export class CallScope implements CallContext {
  #controller: AbortController | null = null;
  #aborted = false;

  constructor(readonly client: ClientInfo) {}

  get signal(): AbortSignal {
    if (this.#controller === null) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort();
    }
    return this.#controller.signal;
  }

  abort(): void {
    this.#aborted = true;
    this.#controller?.abort();
  }
}

export class ServiceRegistry {
  readonly #handlers = new Map<string, Handler>();
  readonly #services = new Set<string>();
  readonly #hooks: ServiceHooks[] = [];

  define(name: string, handlers: Record<string, Handler>, hooks: ServiceHooks = {}): void {
    if (this.#services.has(name)) throw new Error(`the service '${name}' is defined twice`);
    this.#services.add(name);
    for (const [method, handler] of Object.entries(handlers)) this.#handlers.set(`${name}.${method}`, handler);
    this.#hooks.push(hooks);
  }

  /** Whether this registry serves `op`'s service. */
  serves(op: string): boolean {
    return this.#services.has(op.slice(0, op.indexOf('.')));
  }

  invoke(op: string, ctx: CallContext, args: unknown[]): unknown {
    const handler = this.#handlers.get(op);
    if (handler === undefined)
      throw new CodedError('ERR_UNKNOWN_METHOD', `the portable backend has no operation '${op}'`);
    return handler(ctx, ...args);
  }

  clientGone(client: ClientInfo): void {
    for (const hooks of this.#hooks) {
      try {
        hooks.clientGone?.(client);
      } catch (err) {
        process.emitWarning(
          `posix-multiprocessing broker: cleaning up after process ${client.pid} failed: ${String(err)}`,
        );
      }
    }
  }
}
