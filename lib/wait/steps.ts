// One algorithm, two drivers. A blocking operation is written once, as a
// generator that yields each wait it needs and gets back how the wait ended;
// runSync() serves the waits by blocking the thread, runAsync() with promises.
// When a step fails (an abort, a peer gone), the error is thrown into the
// generator under both drivers, so the algorithm undoes its bookkeeping where it made it.

export type Steps<Step, Outcome, T> = Generator<Step, T, Outcome>;

export function runSync<Step, Outcome, T>(steps: Steps<Step, Outcome, T>, serve: (step: Step) => Outcome): T {
  let step = steps.next();
  while (!step.done) {
    let outcome: Outcome;
    try {
      outcome = serve(step.value);
    } catch (err) {
      step = steps.throw(err); // as runAsync: the algorithm sees its failed step
      continue;
    }
    step = steps.next(outcome);
  }
  return step.value;
}

export async function runAsync<Step, Outcome, T>(
  steps: Steps<Step, Outcome, T>,
  serve: (step: Step, signal?: AbortSignal) => Promise<Outcome>,
  signal?: AbortSignal,
): Promise<T> {
  let step = steps.next();
  while (!step.done) {
    let outcome: Outcome;
    try {
      outcome = await serve(step.value, signal);
    } catch (err) {
      step = steps.throw(err); // the algorithm undoes its bookkeeping, then rethrows
      continue;
    }
    step = steps.next(outcome);
  }
  return step.value;
}

/** A step that can be taken either way: blocking the thread, or as a promise (a message, a sleep). */
export interface Twin<O> {
  sync(): O;
  async(): Promise<O>;
}

/** An algorithm made of twin steps; each `yield` gives back the step's result. */
export type TwinSteps<T> = Steps<Twin<unknown>, unknown, T>;

export function runTwinSync<T>(steps: TwinSteps<T>): T {
  return runSync(steps, (step) => step.sync());
}

export function runTwinAsync<T>(steps: TwinSteps<T>): Promise<T> {
  return runAsync(steps, (step) => step.async());
}
