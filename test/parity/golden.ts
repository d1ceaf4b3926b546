/**
 * Loading of the golden wire transcripts recorded from the Python SDK 0.4.1
 * (test/fixtures/golden/NAME.jsonl + NAME.meta.json; format in the README next to them).
 */
import { readFileSync } from "node:fs";

/** A JSON value as parsed from the transcripts. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The response the recording fake server gave for one request. */
export interface RecordedResponse {
  status: number;
  headers: Record<string, string>;
  body: Json;
}

/** One line of a `NAME.jsonl` transcript: a request the Python SDK sent, and the answer it got. */
export interface TranscriptLine {
  seq: number;
  method: string;
  path: string;
  query: string;
  query_params: Array<[string, string]>;
  headers: Record<string, string | string[]>;
  body: Json;
  body_raw?: string;
  fault: null | { delay_s?: number; status?: number; [key: string]: Json | undefined };
  response: RecordedResponse;
}

/** One SDK call of a scenario, from `NAME.meta.json` `.calls`. */
export interface MetaCall {
  step: number;
  call: string;
  kwargs?: Record<string, Json>;
  env?: Record<string, string>;
  returned?: Json;
  expect_error?: boolean;
  raised?: { type: string; message: string; [key: string]: Json };
}

/** The `NAME.meta.json` file (only the parts the parity tests read). */
export interface Meta {
  scenario: string;
  request_count: number;
  calls: MetaCall[];
  notes: string[];
}

/** The 12 recorded scenarios. */
export type ScenarioName =
  | "service_basics"
  | "training_loop"
  | "chunking"
  | "sampling"
  | "retries"
  | "futures"
  | "rest"
  | "telemetry"
  | "telemetry_disabled"
  | "heartbeat"
  | "ordering"
  | "lowlevel";

const GOLDEN_DIR = new URL("../fixtures/golden/", import.meta.url);

/** Reads the request log of a scenario, one parsed line per request, in `seq` order. */
export function loadTranscript(name: ScenarioName): TranscriptLine[] {
  const text = readFileSync(new URL(`${name}.jsonl`, GOLDEN_DIR), "utf8");
  return text
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as TranscriptLine);
}

/** Reads the calls/notes file of a scenario. */
export function loadMeta(name: ScenarioName): Meta {
  return JSON.parse(readFileSync(new URL(`${name}.meta.json`, GOLDEN_DIR), "utf8")) as Meta;
}

/** The meta call with the given step number (throws when absent so a renumbered fixture is noticed). */
export function metaStep(meta: Meta, step: number): MetaCall {
  const call = meta.calls.find((c) => c.step === step);
  if (!call) throw new Error(`${meta.scenario}.meta.json has no step ${step}`);
  return call;
}
