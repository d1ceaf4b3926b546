/**
 * The data of the v0.25 `chunking` scenario, rebuilt from the heads/tails in chunking.meta.json
 * (the large arrays are only summarised there); the transcripts' sha256 values confirm the rebuild.
 * Datums are built as the SDK's wire objects (typed arrays), so the codec path under test is the
 * one a client uses.
 */
import type { DatumLike } from "../../src/protocol/v0_25/from-sdk.js";
import type { Json } from "./golden.js";
import { isSummary } from "./match.js";
import { pyDisplaySha256 } from "./py-display.js";

function datum(tokens: Int32Array, targets: number[] | Int32Array, weights?: Float32Array): DatumLike {
  const loss_fn_inputs: DatumLike["loss_fn_inputs"] = {
    target_tokens: { data: targets, dtype: "int64", shape: [targets.length] },
    ...(weights ? { weights: { data: weights, dtype: "float32", shape: [weights.length] } } : {}),
  };
  return { model_input: { chunks: [{ type: "encoded_text", tokens }] }, loss_fn_inputs };
}

/** Datum i of the 1025/2049-datum batches: tokens [k, k+1], targets [k+1, k+2], weights [1, 1], k = i%50+1. */
export function smallDatum(i: number): DatumLike {
  const k = (i % 50) + 1;
  return datum(Int32Array.of(k, k + 1), [k + 1, k + 2], Float32Array.of(1, 1));
}

/** A 156 250-token datum: tokens (step·j) % 1000, targets (tstep·j + 1) % 1000, weights 1. */
function bigDatum(step: number, targetStep: number): DatumLike {
  const n = 156_250;
  const tokens = new Int32Array(n);
  const targets = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    tokens[j] = (step * j) % 1000;
    targets[j] = (targetStep * j + 1) % 1000;
  }
  return datum(tokens, targets, new Float32Array(n).fill(1));
}

/** The tiny datum: tokens [5, 6], targets [6, 7], no weights. */
export function tinyDatum(): DatumLike {
  return datum(Int32Array.of(5, 6), [6, 7]);
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => smallDatum(from + i));

/** Each protobuf request line of chunking.jsonl whose body is summarised → the datums it carries. */
export function chunkingRequestData(seq: number): DatumLike[] | undefined {
  switch (seq) {
    case 7: // step 3, chunk seq 1
    case 16: // step 7, chunk seq 5
    case 21: // step 9 (forward), chunk seq 8
      return range(0, 1024);
    case 11: // step 5, chunk seq 3: a, b (2 500 000 estimated bytes each)
      return [bigDatum(4, 6), bigDatum(5, 7)];
    case 14: // step 7, chunk seq 6
      return range(1024, 2048);
    default:
      return undefined;
  }
}

/** The fake server's per-datum outputs for a chunk of `n` datums of 2 targets. */
export function chunkOutputs(n: number): {
  logprobs: { data: number[]; dtype: "float32" };
  elementwise_loss: { data: number[]; dtype: "float32" };
}[] {
  return Array.from({ length: n }, (_, i) => {
    const lp = [0, 1].map((j) => -(0.5 + 0.0625 * i + 0.125 * j));
    return {
      elementwise_loss: { data: lp.map((x) => -x), dtype: "float32" as const },
      logprobs: { data: lp, dtype: "float32" as const },
    };
  });
}

/**
 * A recorded `ForwardBackwardOutput` body with its summarised arrays filled in from
 * {@link chunkOutputs} (values of `elementwise_loss` / `logprobs`, byte offsets 8·i), each checked
 * against the summary's `sha256_compact_json`; undefined when nothing is summarised.
 */
export function filledOutputBody(body: Json): Json | undefined {
  let filled = false;
  const walk = (v: Json, field: string, n: number): Json => {
    if (Array.isArray(v)) return v.map((x) => walk(x, field, n));
    if (v === null || typeof v !== "object") return v;
    if (isSummary(v.values)) {
      const values =
        field === "offsets"
          ? Array.from({ length: n + 1 }, (_, i) => 8 * i)
          : chunkOutputs(n).flatMap((o) =>
              field === "logprobs" ? o.logprobs.data : o.elementwise_loss.data,
            );
      if (pyDisplaySha256(values, v.le === "float32") !== v.values.sha256_compact_json) {
        throw new Error(`rebuilt ${field} values of ${n} datums do not match the recorded hash`);
      }
      filled = true;
      return { ...v, values };
    }
    const n2 = typeof v.num_datums === "number" ? v.num_datums : n;
    const out: { [k: string]: Json } = {};
    for (const [k, x] of Object.entries(v)) {
      const f = k === "data" || k === "offsets" ? (k === "offsets" ? "offsets" : field) : k;
      out[k] = walk(x, f, n2);
    }
    return out;
  };
  const result = walk(body, "", 0);
  return filled ? result : undefined;
}
