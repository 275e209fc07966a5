import * as lib from 'posix-multiprocessing';
import type { Queue } from 'posix-multiprocessing';
import * as futures from 'posix-multiprocessing/futures';
import { square, Reporter } from './work.js';
import { runScenario } from '../driver.cjs';

export function cube(x: number): number {
  return x * x * x;
}
export function fill(q: Queue<number>, n: number): void {
  for (let i = 0; i < n; i++) q.putSync(i);
}
// The futures entry's types: submit() infers the future's value type.
export const cubeLater = (executor: futures.ProcessPoolExecutor): futures.Future<number> => executor.submit(cube, 3);
export async function setKey(d: { set(k: string, v: string): Promise<void> }): Promise<void> {
  await d.set('from', 'child');
}

if (lib.isMainProcess()) await runScenario(lib, { square, Reporter, cube, fill, setKey }, futures);
