import * as lib from 'posix-multiprocessing';
import * as futures from 'posix-multiprocessing/futures';
import { square, Reporter } from './work.js';
import { runScenario } from '../driver.cjs';

export function cube(x) {
  return x * x * x;
}
export function fill(q, n) {
  for (let i = 0; i < n; i++) q.putSync(i);
}
export async function setKey(d) {
  await d.set('from', 'child');
}

if (lib.isMainProcess()) await runScenario(lib, { square, Reporter, cube, fill, setKey }, futures);
