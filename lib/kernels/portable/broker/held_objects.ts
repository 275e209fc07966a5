// Broker-side objects that live while some process holds them, like an fd
// that stays open while any process has a copy: each process's holds are
// counted, a process that exits or dies drops all of its own, and the object
// is freed when the last hold goes. An object on its way to another process
// (reduced into a Process argument or a message) is lent: the sender's extra
// hold keeps it alive until the receiver attaches with the same token, which
// may reach the broker before or after the loan.
import { CodedError } from '../../../errors';

interface Entry<T> {
  value: T;
  /** client id -> holds */
  holds: Map<number, number>;
}

export class HeldObjects<T> {
  readonly #entries = new Map<number, Entry<T>>();
  /** token -> the lender's hold, or 'claimed': the receiver attached before the loan arrived. */
  readonly #loans = new Map<string, { id: number; client: number } | 'claimed'>();
  #nextId = 1;

  constructor(
    private readonly what: string,
    private readonly freed: (value: T, id: number) => void,
  ) {}

  add(client: number, value: T): number {
    const id = this.#nextId++;
    this.#entries.set(id, { value, holds: new Map([[client, 1]]) });
    return id;
  }

  get(id: number): T {
    const entry = this.#entries.get(id);
    if (entry === undefined)
      throw new CodedError('ERR_BROKER_OBJECT_GONE', `the ${this.what} ${id} no longer exists in the broker`);
    return entry.value;
  }

  /** The sender's hold on `id` while `token` travels to another process. */
  lend(client: number, id: number, token: string): void {
    if (this.#loans.get(token) === 'claimed') {
      this.#loans.delete(token);
      return;
    }
    if (!this.#entries.has(id)) return;
    this.#hold(client, id);
    this.#loans.set(token, { id, client });
  }

  /** A receiving process takes its own hold (and ends the loan of `token`). */
  attach(client: number, id: number, token: string): void {
    if (!this.#entries.has(id)) return;
    this.#hold(client, id);
    const loan = this.#loans.get(token);
    if (loan === undefined) this.#loans.set(token, 'claimed');
    else if (loan !== 'claimed') {
      this.#loans.delete(token);
      this.release(loan.client, loan.id);
    }
  }

  release(client: number, id: number): void {
    const entry = this.#entries.get(id);
    const holds = entry?.holds.get(client);
    if (entry === undefined || holds === undefined) return;
    if (holds > 1) entry.holds.set(client, holds - 1);
    else entry.holds.delete(client);
    if (entry.holds.size === 0) this.#free(id, entry);
  }

  /** A process went away: its holds and loans go with it. */
  clientGone(client: number): void {
    for (const [token, loan] of this.#loans)
      if (loan !== 'claimed' && loan.client === client) this.#loans.delete(token);
    for (const [id, entry] of this.#entries) {
      if (!entry.holds.delete(client)) continue;
      if (entry.holds.size === 0) this.#free(id, entry);
    }
  }

  #hold(client: number, id: number): void {
    const holds = this.#entries.get(id)!.holds;
    holds.set(client, (holds.get(client) ?? 0) + 1);
  }

  #free(id: number, entry: Entry<T>): void {
    this.#entries.delete(id);
    this.freed(entry.value, id);
  }
}
