import { Process, type Queue } from 'posix-multiprocessing';

export function square(x: number): number {
  return x * x;
}

export class Reporter extends Process {
  constructor(public q: Queue<string>) {
    super();
  }
  override run(): void {
    this.q.putSync('reported');
  }
}
