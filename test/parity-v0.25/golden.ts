/**
 * Loading of the golden transcripts recorded from the Python SDK 0.25.0
 * (test/fixtures/golden-v0.25/NAME.jsonl + NAME.meta.json, copied from shared/golden/v0.25; format in
 * the README next to them). Protobuf bodies are recorded in their decoded form.
 */
import { readdirSync, readFileSync } from "node:fs";

/** A JSON value as parsed from the transcripts. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The 17 recorded 0.25.0 scenarios. */
export const SCENARIOS_V025 = [
  "handshake",
  "training_proto",
  "training_zstd",
  "chunking",
  "chunking_serial",
  "sampling_proto",
  "budgets",
  "retries",
  "futures",
  "billing",
  "jwt_auth",
  "credentials",
  "weights_state",
  "rest",
  "telemetry",
  "heartbeat",
  "lowlevel",
] as const;

/** A scenario name. */
export type ScenarioV025 = (typeof SCENARIOS_V025)[number];

/** The response the recording server gave. */
export interface RecordedResponseV025 {
  status: number;
  headers: Record<string, string>;
  body: Json;
  body_format?: "json" | "protobuf";
  body_bytes?: number;
  body_sha256?: string;
}

/** One request line. */
export interface TranscriptLineV025 {
  seq: number;
  method: string;
  path: string;
  query: string;
  query_params: Array<[string, string]>;
  headers: Record<string, string | string[]>;
  body: Json;
  body_format?: "json" | "protobuf";
  content_encoding?: string;
  body_proto_bytes?: number;
  body_proto_canonical_sha256?: string;
  hold?: Json;
  fault: Json;
  response: RecordedResponseV025;
}

/** One SDK call of a scenario (`NAME.meta.json` `.calls`). */
export interface MetaCallV025 {
  step: number;
  call: string;
  kwargs?: Record<string, Json>;
  env?: Record<string, string>;
  returned?: Json;
  expect_error?: boolean;
  raised?: { type: string; message: string; [key: string]: Json };
}

/** The parts of `NAME.meta.json` the tests read. */
export interface MetaV025 {
  scenario: string;
  request_count: number;
  calls: MetaCallV025[];
  notes: string[];
  recorder_options?: Record<string, Json>;
  control_calls?: Json[];
}

/** Folder of the fixture copy. */
export const GOLDEN_V025_DIR = new URL("../fixtures/golden-v0.25/", import.meta.url);

/** Scenario names present in the fixture folder (a test checks they are exactly the 17). */
export function scenariosOnDisk(): string[] {
  return readdirSync(GOLDEN_V025_DIR)
    .filter((f) => f.endsWith(".jsonl"))
    .map((f) => f.slice(0, -".jsonl".length))
    .sort();
}

/** The request log of a scenario, in `seq` order (throws if a line is out of order). */
export function loadTranscriptV025(name: ScenarioV025): TranscriptLineV025[] {
  const lines = readFileSync(new URL(`${name}.jsonl`, GOLDEN_V025_DIR), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as TranscriptLineV025);
  lines.forEach((l, i) => {
    if (l.seq !== i + 1) throw new Error(`${name}.jsonl: line ${i + 1} has seq ${l.seq}`);
  });
  return lines;
}

/** The meta file of a scenario. */
export function loadMetaV025(name: ScenarioV025): MetaV025 {
  return JSON.parse(readFileSync(new URL(`${name}.meta.json`, GOLDEN_V025_DIR), "utf8")) as MetaV025;
}
