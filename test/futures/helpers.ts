import { APIUserAbortError } from "../../src/errors/index.js";
import type { Deps as FutureDeps } from "../../src/lib/deps.js";

/** Fake clock + sleep: sleeps resolve at once (unless aborted) and are recorded. */
export interface FakeTime extends FutureDeps {
  /** Every sleep requested, in ms, in order. */
  readonly sleeps: number[];
  /** Current fake time; advance by assigning. */
  t: number;
}

/** Fake time whose sleeps complete immediately and advance the clock. */
export function fakeTime(): FakeTime {
  const ft: FakeTime = {
    sleeps: [],
    t: 0,
    random: () => 0.5,
    now: () => ft.t,
    sleep: (ms, signal) => {
      if (signal?.aborted) return Promise.reject(new APIUserAbortError());
      ft.sleeps.push(ms);
      ft.t += ms;
      return Promise.resolve();
    },
  };
  return ft;
}

/** Sleep whose completions are released by hand (for result({ timeoutMs }) tests). */
export function manualSleep(): {
  deps: FutureDeps;
  pending: { ms: number; release: () => void }[];
} {
  const pending: { ms: number; release: () => void }[] = [];
  return {
    pending,
    deps: {
      random: () => 0.5,
      now: () => 0,
      sleep: (ms, signal) =>
        new Promise<void>((resolve, reject) => {
          if (signal?.aborted) return reject(new APIUserAbortError());
          signal?.addEventListener("abort", () => reject(new APIUserAbortError()), { once: true });
          pending.push({ ms, release: resolve });
        }),
    },
  };
}

/** Promise with its resolvers exposed. */
export function deferred<T>(): {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
} {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Let queued promise callbacks run. */
export async function flush(times = 5): Promise<void> {
  for (let i = 0; i < times; i++) await new Promise<void>((r) => setImmediate(r));
}
