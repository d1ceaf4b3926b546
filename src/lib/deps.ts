/**
 * The one clock/sleep/random interface of the SDK. Every timing decision (back-offs, polling
 * pauses, watchdogs, heartbeats, telemetry flushes) goes through one of these, so tests pass a fake
 * clock and never sleep for real.
 */
import { sleep } from "./sleep.js";

/** Injected time and randomness. */
export interface Deps {
  /** Current time in ms. */
  now(): number;
  /** Waits `ms`, rejecting with `APIUserAbortError` promptly when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  /** Uniform in [0, 1): back-off jitter. */
  random(): number;
}

/** The real clock and timers. */
export const realDeps: Deps = { now: () => Date.now(), sleep, random: Math.random };

/** Fill missing members with the real ones (returns `deps` itself when it is complete). */
export function resolveDeps(deps?: Partial<Deps>): Deps {
  if (deps?.now && deps.sleep && deps.random) return deps as Deps;
  return {
    now: deps?.now ?? realDeps.now,
    sleep: deps?.sleep ?? realDeps.sleep,
    random: deps?.random ?? realDeps.random,
  };
}
