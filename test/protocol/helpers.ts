/** Shared readers of the v0.25 fixtures for the protocol unit tests. */
import type { Json, TranscriptLineV025 } from "../parity-v0.25/golden.js";
import { loadMetaV025, loadTranscriptV025, type ScenarioV025 } from "../parity-v0.25/golden.js";

/** Line `seq` of a scenario (throws when absent). */
export function line(name: ScenarioV025, seq: number): TranscriptLineV025 {
  const l = loadTranscriptV025(name).find((x) => x.seq === seq);
  if (!l) throw new Error(`${name}:${seq} missing`);
  return l;
}

/** The `returned` value of a meta step. */
export function returned(name: ScenarioV025, step: number): Json {
  const c = loadMetaV025(name).calls.find((x) => x.step === step);
  if (!c) throw new Error(`${name}.meta step ${step} missing`);
  return c.returned ?? null;
}

/** A meta value with the recorder's `__type__` tags removed (they are Python class names). */
export function untyped(v: Json): Json {
  if (Array.isArray(v)) return v.map(untyped);
  if (v !== null && typeof v === "object") {
    const out: { [k: string]: Json } = {};
    for (const [k, x] of Object.entries(v)) if (k !== "__type__") out[k] = untyped(x);
    return out;
  }
  return v;
}
