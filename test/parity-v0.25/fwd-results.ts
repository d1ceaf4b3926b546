/**
 * Helpers of the 0.25 chunking parity tests: the rebuilt datums as tinker-ts `Datum`s, and a check
 * of a combined ForwardBackwardOutput against the meta file's `returned` value (outputs in data
 * order: count, the recorded head/tail or every item; metrics by value).
 */
import type { DatumLike } from "../../src/protocol/v0_25/from-sdk.js";
import type { Datum } from "../../src/types/datum.js";
import { ModelInput } from "../../src/types/model-input.js";
import type { ForwardBackwardOutput } from "../../src/types/responses.js";
import { TensorData } from "../../src/types/tensor-data.js";
import type { Json } from "./golden.js";
import { isSummary } from "./match.js";

/** A rebuilt datum (typed arrays) as the Datum a user passes. */
export function asDatum(d: DatumLike): Datum {
  const tokens: number[] = [];
  for (const c of d.model_input.chunks) {
    if (c.type !== "encoded_text") throw new Error("only text datums are rebuilt");
    for (const t of Array.from(c.tokens)) tokens.push(t);
  }
  const loss_fn_inputs: Record<string, TensorData> = {};
  for (const [k, t] of Object.entries(d.loss_fn_inputs)) {
    loss_fn_inputs[k] = TensorData.fromArray(Array.from(t.data, Number), t.dtype, t.shape ?? null);
  }
  return { model_input: ModelInput.fromInts(tokens), loss_fn_inputs };
}

type MetaTensor = { data: number[]; dtype: string; shape: number[] };
type MetaOutput = Record<string, MetaTensor>;

function outputDiffs(
  recorded: MetaOutput,
  ours: ForwardBackwardOutput["loss_fn_outputs"][number],
  at: string,
) {
  const out: string[] = [];
  for (const [k, t] of Object.entries(recorded)) {
    const mine = (ours as Record<string, { data: readonly number[] } | undefined>)[k];
    if (JSON.stringify(mine ? [...mine.data] : undefined) !== JSON.stringify(t.data)) {
      out.push(`${at}.${k}: ${JSON.stringify(mine?.data)} != ${JSON.stringify(t.data)}`);
    }
  }
  return out;
}

/**
 * Differences between our output and the recorded `returned` (empty = equal). `skipMetrics` are
 * metric keys compared only for presence, with the reason given by the caller.
 */
export function forwardOutputDiffs(
  returned: Json | undefined,
  ours: ForwardBackwardOutput,
  skipMetrics: readonly string[] = [],
): string[] {
  const r = returned as {
    loss_fn_output_type: string;
    loss_fn_outputs: Json;
    metrics: Record<string, number>;
  };
  const out: string[] = [];
  if (ours.loss_fn_output_type !== r.loss_fn_output_type)
    out.push(`loss_fn_output_type ${ours.loss_fn_output_type}`);
  const outs = ours.loss_fn_outputs;
  const rec = r.loss_fn_outputs;
  if (isSummary(rec)) {
    if (outs.length !== rec.__array__) out.push(`${outs.length} outputs != ${rec.__array__}`);
    (rec.head as unknown as MetaOutput[]).forEach((h, i) => {
      out.push(...outputDiffs(h, outs[i]!, `[${i}]`));
    });
    (rec.tail as unknown as MetaOutput[]).forEach((t, i) => {
      const at = outs.length - rec.tail.length + i;
      out.push(...outputDiffs(t, outs[at]!, `[${at}]`));
    });
  } else {
    const list = rec as unknown as MetaOutput[];
    if (outs.length !== list.length) out.push(`${outs.length} outputs != ${list.length}`);
    list.forEach((o, i) => {
      out.push(...outputDiffs(o, outs[i]!, `[${i}]`));
    });
  }
  const keys = (m: object) => Object.keys(m).sort().join(",");
  if (keys(ours.metrics) !== keys(r.metrics))
    out.push(`metric keys ${keys(ours.metrics)} != ${keys(r.metrics)}`);
  for (const [k, v] of Object.entries(r.metrics)) {
    if (skipMetrics.includes(k)) continue;
    if (ours.metrics[k] !== v) out.push(`metrics.${k}: ${ours.metrics[k]} != ${v}`);
  }
  return out;
}

/**
 * Transcript lines of the forward_backward submits in the order they reached the replay server
 * (which matches protobuf submits by seq_id, so the order has to be asserted separately). Lines
 * in `concurrent` groups were sent at the same time; each group is sorted in place.
 */
export function submitOrder(
  received: ReadonlyArray<{ line: { seq: number; path: string } | undefined }>,
  concurrent: ReadonlyArray<readonly number[]> = [],
): number[] {
  const order = received.flatMap((r) => (r.line?.path === "/api/v1/forward_backward" ? [r.line.seq] : []));
  for (const group of concurrent) {
    const at = order.map((s, i) => (group.includes(s) ? i : -1)).filter((i) => i >= 0);
    const sorted = at.map((i) => order[i] as number).sort((a, b) => a - b);
    at.forEach((i, k) => {
      order[i] = sorted[k] as number;
    });
  }
  return order;
}
