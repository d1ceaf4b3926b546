/**
 * Running long work without stalling the event loop: the work is a generator that yields between
 * small slices, and `drive` runs slices until a few milliseconds have passed, then lets the event
 * loop turn (heartbeats, long polls and other clients) before going on. Used by the model and by
 * the serialisation of large answers.
 */
import { performance } from "node:perf_hooks";

/** Work time between two turns of the event loop. */
export const SLICE_BUDGET_MS = 4;

/** Runs a generator to completion at once (the synchronous API). */
export function drain<T>(work: Generator<void, T>): T {
  for (;;) {
    const r = work.next();
    if (r.done) return r.value;
  }
}

/** Runs a generator, yielding to the event loop (`setImmediate`) whenever a slice budget is used up. */
export async function drive<T>(work: Generator<void, T>, budgetMs = SLICE_BUDGET_MS): Promise<T> {
  let started = performance.now();
  for (;;) {
    const r = work.next();
    if (r.done) return r.value;
    if (performance.now() - started >= budgetMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      started = performance.now();
    }
  }
}
