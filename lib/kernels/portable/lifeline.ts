// A spawned child of the portable backend ends with its parent: the parent
// holds the write end of a pipe (the lifeline) whose read end is the child's
// fd 3, and the child's I/O thread watches it for EOF, which the OS delivers
// when the parent ends for any reason, SIGKILL included.

/** Makes this process end (SIGTERM) when the process that started it ends. */
export function endWithParentLifeline(): void {
  // armed by the spawn start method of the portable backend (not yet here)
}
