/**
 * Helpers for emulator tests: JSON calls with plain fetch, polling, and golden response shapes.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Emulator } from "../../src/emulator/index.js";

/** A JSON value read loosely: tests index into response bodies directly and assert on them. */
// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked by the assertions themselves
export type Json = any;

/** Fake API key used by the tests. */
export const KEY = "tml-TESTKEY";

/** A response read as JSON (or null for an empty body). */
export interface JsonResponse {
  status: number;
  headers: Headers;
  body: Json;
}

/** Calls the emulator with a JSON body. */
export async function call(
  emu: Emulator,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = { "x-api-key": KEY },
): Promise<JsonResponse> {
  const res = await fetch(emu.url + path, {
    method,
    headers: { "content-type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    redirect: "manual",
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === "" ? null : JSON.parse(text) };
}

/** Polls `retrieve_future` until it stops answering try_again/408. */
export async function settle(emu: Emulator, requestId: string): Promise<JsonResponse> {
  for (let i = 0; i < 1000; i++) {
    const r = await call(emu, "POST", "/api/v1/retrieve_future", { request_id: requestId });
    if (r.status === 408 || (r.status === 200 && r.body?.type === "try_again")) continue;
    return r;
  }
  throw new Error("future never settled");
}

/** Submits a future request and waits for its result body (asserting 200 on both). */
export async function run(emu: Emulator, path: string, body: unknown): Promise<Json> {
  const sub = await call(emu, "POST", path, body);
  if (sub.status !== 200) throw new Error(`${path}: ${sub.status} ${JSON.stringify(sub.body)}`);
  const res = await settle(emu, sub.body.request_id);
  if (res.status !== 200) throw new Error(`${path} result: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Creates a session and a model; returns their ids. */
export async function sessionAndModel(emu: Emulator): Promise<{ sessionId: string; modelId: string }> {
  const s = await call(emu, "POST", "/api/v1/create_session", {
    tags: [],
    user_metadata: {},
    sdk_version: "0.4.1",
  });
  const m = await run(emu, "/api/v1/create_model", {
    session_id: s.body.session_id,
    model_seq_id: 0,
    base_model: "Qwen/Qwen3-8B",
    user_metadata: null,
    lora_config: { rank: 4, seed: null, train_unembed: true, train_mlp: true, train_attn: true },
  });
  return { sessionId: s.body.session_id, modelId: m.model_id };
}

/** A tiny cross-entropy batch on the wire. */
export function batch(n = 2): unknown[] {
  return Array.from({ length: n }, (_, i) => ({
    model_input: { chunks: [{ type: "encoded_text", tokens: [65 + i, 66, 67] }] },
    loss_fn_inputs: {
      target_tokens: { data: [66, 67, 68], dtype: "int64", shape: [3] },
      weights: { data: [1, 1, 1], dtype: "float32", shape: [3] },
    },
  }));
}

interface GoldenLine {
  path: string;
  method: string;
  body: Json;
  response?: { status: number; body: Json };
}

/** Every golden transcript line (request + recorded response). */
export function goldenLines(): GoldenLine[] {
  const dir = join(import.meta.dirname, "../fixtures/golden");
  const files = [
    "training_loop",
    "futures",
    "rest",
    "retries",
    "lowlevel",
    "heartbeat",
    "sampling",
    "chunking",
  ];
  return files.flatMap((f) =>
    readFileSync(join(dir, `${f}.jsonl`), "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as GoldenLine),
  );
}

/** A golden 200 response body for a direct endpoint (first one found). */
export function goldenBody(path: string, method = "POST"): Json {
  const line = goldenLines().find(
    (l) => l.path === path && l.method === method && l.response?.status === 200,
  );
  if (!line) throw new Error(`no golden response for ${method} ${path}`);
  return line.response?.body;
}

/** A golden completed-future body whose `type` (or key) identifies it. */
export function goldenFutureBody(match: (body: Json) => boolean): Json {
  const line = goldenLines().find(
    (l) =>
      l.path === "/api/v1/retrieve_future" &&
      l.response?.status === 200 &&
      typeof l.response.body === "object" &&
      l.response.body !== null &&
      match(l.response.body),
  );
  if (!line) throw new Error("no golden future body matched");
  return line.response?.body;
}

/** The structure of a JSON value: keys (sorted) and JS types, recursively; arrays by their first item. */
export function shape(value: unknown): unknown {
  if (value === null) return "null";
  if (Array.isArray(value)) {
    // The recorder compacts long arrays as {"__array__", "head"}; treat both forms alike.
    return value.length === 0 ? ["empty"] : [shape(value[0])];
  }
  if (typeof value === "object") {
    const o = value as Record<string, unknown>;
    if ("__array__" in o && Array.isArray(o.head)) return shape(o.head);
    return Object.fromEntries(
      Object.keys(o)
        .sort()
        .map((k) => [k, shape(o[k])]),
    );
  }
  return typeof value;
}

/** Top-level keys, sorted. */
export function keys(value: unknown): string[] {
  return Object.keys(value as object).sort();
}
