/**
 * The data of the `chunking` scenario, rebuilt from the heads/tails in chunking.meta.json and
 * chunking.jsonl (the big arrays are only summarised there). The sha256 values in the transcript
 * confirm the rebuild: replay-server.test.ts checks every one of them.
 */
import type { Json, TranscriptLine } from "./golden.js";
import type { ArraySummary } from "./py-json.js";

/** A datum as plain wire-shaped numbers: model_input tokens and loss_fn_inputs arrays. */
export interface PlainDatum {
  tokens: number[];
  targetTokens: number[];
  /** Present on the "small" datums only (float32 on the wire). */
  weights?: number[];
}

/** Datum i of the 300/130-datum batches: tokens [k, k+1], targets [k+1, k+2], weights [1, 1], k = i%50+1. */
export function smallDatum(i: number): PlainDatum {
  const k = (i % 50) + 1;
  return { tokens: [k, k + 1], targetTokens: [k + 1, k + 2], weights: [1, 1] };
}

/** A datum of n tokens `(j+offset)%100` with targets `(j+offset+1)%100` and no weights. */
export function bigDatum(n: number, offset: number): PlainDatum {
  const tokens = Array.from({ length: n }, (_, j) => (j + offset) % 100);
  const targetTokens = Array.from({ length: n }, (_, j) => (j + offset + 1) % 100);
  return { tokens, targetTokens };
}

/** The tiny datum of chunk tests #2 and #3: tokens [5, 6], targets [6, 7]. */
export function tinyDatum(): PlainDatum {
  return { tokens: [5, 6], targetTokens: [6, 7] };
}

/** The calls of chunking.meta.json steps 3, 5, 7, 9, 11 as plain data. */
export const chunkingBatches = {
  step3: Array.from({ length: 300 }, (_, i) => smallDatum(i)),
  step5: [bigDatum(125_000, 0), bigDatum(125_000, 3), tinyDatum()],
  step7: [tinyDatum(), bigDatum(260_000, 0), tinyDatum()],
  step9: Array.from({ length: 130 }, (_, i) => smallDatum(i)),
  step11: [smallDatum(0), smallDatum(1)],
};

/** The wire JSON of a plain datum, field order as Python sent it. */
export function datumWire(d: PlainDatum): Json {
  const lfi: Record<string, Json> = {
    target_tokens: { data: d.targetTokens, dtype: "int64", shape: [d.targetTokens.length] },
  };
  if (d.weights) lfi["weights"] = { data: d.weights, dtype: "float32", shape: [d.weights.length] };
  return { loss_fn_inputs: lfi, model_input: { chunks: [{ tokens: d.tokens }] } };
}

/**
 * The fake server's `loss_fn_outputs` entry i of a chunk whose datums have `len` targets
 * (values capped at 8): logprobs -(0.5 + 0.0625 i + 0.125 j), elementwise_loss the negation.
 */
export function lossFnOutput(i: number, len: number): Json {
  const n = Math.min(len, 8);
  const lp = Array.from({ length: n }, (_, j) => -(0.5 + 0.0625 * i + 0.125 * j));
  return {
    logprobs: { data: lp, dtype: "float32", shape: [n] },
    elementwise_loss: { data: lp.map((x) => -x), dtype: "float32", shape: [n] },
  };
}

/** `expandArray` for the chunking replay: the only summarised responses are 128 outputs of 2 values. */
export function expandChunkingArray(summary: ArraySummary, path: string, line: TranscriptLine): Json[] {
  if (path !== "response.loss_fn_outputs")
    throw new Error(`chunking.jsonl:${line.seq}: no rebuild for ${path}`);
  return Array.from({ length: summary.__array__ }, (_, i) => lossFnOutput(i, 2));
}
