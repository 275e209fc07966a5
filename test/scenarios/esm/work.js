import { Process } from 'posix-multiprocessing';

export function square(x) {
  return x * x;
}

export class Reporter extends Process {
  constructor(q) {
    super();
    this.q = q;
  }
  run() {
    this.q.putSync('reported');
  }
}
