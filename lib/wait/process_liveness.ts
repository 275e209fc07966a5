// Whether the process that holds a lock still exists. A killed process stays
// a zombie until its parent reaps it; it can no longer release anything, so a
// zombie counts as gone. Pids are reused only after the zombie is reaped, and
// a reused pid reads as alive: the lock then waits for that process (see README).
import fs from 'node:fs';

export function processGone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
  if (process.platform !== 'linux') return false;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
    const state = stat.charAt(stat.lastIndexOf(')') + 2);
    return state === 'Z' || state === 'X';
  } catch {
    return true; // gone between the two checks
  }
}
