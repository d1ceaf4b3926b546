/**
 * Shared set-up of the per-scenario parity tests: a clean environment, the replay server, the fake
 * clock, and the end-of-scenario parity assertion.
 */
import { expect } from "vitest";
import { FakeClock } from "../support/fake-clock.js";
import type { ScenarioName } from "./golden.js";
import { type ReplayOptions, ReplayServer } from "./replay-server.js";

/** The API key the golden scenarios passed (`api_key="tml-TESTKEY"`). */
export const TEST_KEY = "tml-TESTKEY";

/** Environment variables the SDK reads; cleared around every scenario so the host cannot leak in. */
export const SDK_ENV = [
  "TINKER_API_KEY",
  "TINKER_BASE_URL",
  "TINKER_TAGS",
  "TINKER_TELEMETRY",
  "CLOUDFLARE_ACCESS_CLIENT_ID",
  "CLOUDFLARE_ACCESS_CLIENT_SECRET",
] as const;

/** A running scenario: its replay server and virtual clock. */
export interface Scenario {
  replay: ReplayServer;
  clock: FakeClock;
  /** Restores the environment and stops the server. */
  dispose(): Promise<void>;
}

/** Starts the replay of a scenario with a clean SDK environment plus `env`. */
export async function startScenario(
  name: ScenarioName,
  opts: ReplayOptions = {},
  env: Record<string, string> = {},
): Promise<Scenario> {
  const saved = new Map<string, string | undefined>();
  for (const k of [...SDK_ENV, ...Object.keys(env)]) {
    saved.set(k, process.env[k]);
    delete process.env[k];
  }
  Object.assign(process.env, env);
  const replay = await ReplayServer.start(name, { apiKey: TEST_KEY, ...opts });
  const clock = new FakeClock();
  return {
    replay,
    clock,
    async dispose() {
      await replay.close();
      for (const [k, v] of saved) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    },
  };
}

/** Waits until every expected request arrived, then asserts there is no difference at all. */
export async function expectParity(replay: ReplayServer): Promise<void> {
  await replay.settled();
  expect(replay.report()).toEqual([]);
}

/** Strips the Python dump annotations (`__type__`) from a meta `returned` value. */
export function pyReturned(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(pyReturned);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => k !== "__type__")
        .map(([k, x]) => [k, pyReturned(x)]),
    );
  }
  return v;
}

/** The Python-side error class name of a meta step that raised. */
export function pyRaised(step: { raised?: { type: string } }): string {
  if (!step.raised) throw new Error("meta step did not raise");
  return step.raised.type;
}

/**
 * Differences between a value Python returned (meta `returned`, `__type__` stripped) and ours.
 * Python's dump lists every model field; a `null` there may be absent (undefined) in ours, and
 * keys we add beyond Python's are not differences. Numbers compare by value (1.0 == 1).
 */
export function returnedDiffs(py: unknown, ours: unknown, path = "result"): string[] {
  const out: string[] = [];
  if (py === null) {
    if (ours !== null && ours !== undefined) out.push(`${path}: expected null, got ${JSON.stringify(ours)}`);
    return out;
  }
  if (Array.isArray(py)) {
    if (!Array.isArray(ours) || ours.length !== py.length) {
      out.push(`${path}: expected ${JSON.stringify(py)}, got ${JSON.stringify(ours)}`);
      return out;
    }
    py.forEach((p, i) => {
      out.push(...returnedDiffs(p, ours[i], `${path}[${i}]`));
    });
    return out;
  }
  if (typeof py === "object") {
    if (ours === null || typeof ours !== "object") {
      out.push(`${path}: expected ${JSON.stringify(py)}, got ${JSON.stringify(ours)}`);
      return out;
    }
    for (const [k, v] of Object.entries(py as Record<string, unknown>)) {
      // `type` is a response discriminator, not data; 0.4.1 even dumps it as null on some public
      // response models whose wire response carried it (SaveWeightsForSamplerResponse).
      if (k === "__type__" || k === "type") continue;
      out.push(...returnedDiffs(v, (ours as Record<string, unknown>)[k], `${path}.${k}`));
    }
    return out;
  }
  if (py !== ours) out.push(`${path}: expected ${JSON.stringify(py)}, got ${JSON.stringify(ours)}`);
  return out;
}
