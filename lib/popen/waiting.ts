// Small waiting helpers shared by the start methods.
import { native } from '../native';

const POLLIN = 1;

/** Whether `fd` becomes readable within `timeoutMs` (blocks the thread). */
export function pollReadable(fd: number, timeoutMs: number): boolean {
  return native.poll([fd], POLLIN, Math.ceil(timeoutMs)).length > 0;
}

/** The promise's value, or null if `timeoutMs` passes first (null waits forever). */
export async function waitWithTimeout<T>(promise: Promise<T>, timeoutMs: number | null): Promise<T | null> {
  if (timeoutMs === null) return promise;
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), timeoutMs); });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}
