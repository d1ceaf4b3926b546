/**
 * Protobuf future results ↔ the SDK's result objects, as 0.25.0's `response_conv.py` reads them
 * (golden README, fact 9). `toPb` directions build what a server (the emulator) sends.
 */
import type { ForwardBackwardOutput, SampledSequence, SampleResponse } from "../../types/responses.js";
import { TensorData } from "../../types/tensor-data.js";
import { DType, dtypeItemSize, StopReasonPb } from "./enums.js";
import type { PbBatchedTensor, PbForwardBackwardOutput } from "./forward-backward-output.js";
import { decodeForwardBackwardOutput } from "./forward-backward-output.js";
import {
  float32Bytes,
  int32Bytes,
  int64Bytes,
  readFloat32,
  readInt32,
  toNumberArray,
  readInt64Numbers,
} from "./le-arrays.js";
import type { PbSampleResponse } from "./sample-response.js";
import { decodeSampleResponse } from "./sample-response.js";
import { ProtoDecodeError } from "./wire.js";

/** A SampleResponse as 0.25.0 returns it (adds `prompt_cache_hit_tokens`). */
export interface SampleResponseV025 extends SampleResponse {
  prompt_cache_hit_tokens: number;
}

/** The logprob that marks an empty top-k cell (with token id 0). */
export const TOPK_MASK_LOGPROB = -99999.0;

function values(bytes: Uint8Array | undefined, dtype: number): number[] {
  if (bytes === undefined) return [];
  if (dtype === DType.FLOAT32) return toNumberArray(readFloat32(bytes));
  if (dtype === DType.INT64) return readInt64Numbers(bytes);
  if (dtype === DType.INT32) return toNumberArray(readInt32(bytes));
  if (dtype === DType.BFLOAT16) {
    // bfloat16 is the upper half of a float32.
    const out = new Float32Array(bytes.byteLength / 2);
    const u32 = new Uint32Array(out.buffer);
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < out.length; i++) u32[i] = dv.getUint16(i * 2, true) << 16;
    return toNumberArray(out);
  }
  throw new ProtoDecodeError(`unsupported proto DType value: ${dtype}`);
}

function perDatum(bt: PbBatchedTensor): number[][] {
  const dtype = bt.dtype ?? 0;
  const size = dtypeItemSize(dtype);
  const all = values(bt.data, dtype);
  const offsets = bt.offsets ? readInt64Numbers(bt.offsets) : [];
  const out: number[][] = [];
  for (let i = 0; i + 1 < offsets.length; i++) {
    out.push(all.slice((offsets[i] as number) / size, (offsets[i + 1] as number) / size));
  }
  return out;
}

/** A protobuf ForwardBackwardOutput message → the SDK's result (TensorData per datum and field). */
export function forwardBackwardOutputFromPb(m: PbForwardBackwardOutput): ForwardBackwardOutput {
  const metrics = { ...(m.metrics ?? {}) };
  const records = m.loss_fn_outputs ?? [];
  if (records.length === 0) {
    return { loss_fn_output_type: m.loss_fn_output_type || "ArrayRecord", loss_fn_outputs: [], metrics };
  }
  // The JSON shape carries the bare class name: keep what follows the last ':'.
  const type = (m.loss_fn_output_type ?? "").split(":").pop() ?? "";
  const arrays = new Map<string, { data: number[]; dtype: "int64" | "float32"; trailing: number[] }[]>();
  let numDatums = 0;
  for (const rec of records) {
    numDatums += rec.num_datums ?? 0;
    for (const [name, bt] of Object.entries(rec.fields ?? {})) {
      const dtype = bt.dtype === DType.INT64 || bt.dtype === DType.INT32 ? "int64" : "float32";
      const list = arrays.get(name) ?? [];
      for (const data of perDatum(bt)) list.push({ data, dtype, trailing: bt.trailing_shape ?? [] });
      arrays.set(name, list);
    }
  }
  if (numDatums === 0 && arrays.size > 0) numDatums = (arrays.values().next().value ?? []).length;
  const loss_fn_outputs: Record<string, TensorData>[] = [];
  for (let i = 0; i < numDatums; i++) {
    const datum: Record<string, TensorData> = {};
    for (const [name, list] of arrays) {
      const a = list[i];
      if (a === undefined) continue;
      const trailingElems = a.trailing.reduce((x, y) => x * y, 1);
      const leading = trailingElems ? Math.floor(a.data.length / trailingElems) : 0;
      datum[name] = new TensorData(a.data, a.dtype, [leading, ...a.trailing]);
    }
    loss_fn_outputs.push(datum);
  }
  return { loss_fn_output_type: type, loss_fn_outputs, metrics };
}

/** Decodes protobuf bytes of a ForwardBackwardOutput into the SDK's result. */
export function parseForwardBackwardOutputPb(bytes: Uint8Array): ForwardBackwardOutput {
  return forwardBackwardOutputFromPb(decodeForwardBackwardOutput(bytes));
}

/** Prompt logprobs with NaN (the first token has none) as null. */
function promptLogprobs(a: Float32Array): Array<number | null> {
  const out = new Array<number | null>(a.length);
  for (let i = 0; i < a.length; i++) {
    const v = a[i] as number;
    out[i] = Number.isNaN(v) ? null : v;
  }
  return out;
}

/** A protobuf SampleResponse message → the SDK's result (NaN → null; masked top-k rows → null). */
export function sampleResponseFromPb(m: PbSampleResponse): SampleResponseV025 {
  const sequences: SampledSequence[] = (m.sequences ?? []).map((s) => {
    const reason = s.stop_reason ?? 0;
    if (reason !== StopReasonPb.STOP && reason !== StopReasonPb.LENGTH) {
      throw new ProtoDecodeError(`Unknown stop_reason enum value ${reason} in proto SampleResponse`);
    }
    return {
      stop_reason: reason === StopReasonPb.LENGTH ? "length" : "stop",
      tokens: s.tokens ? toNumberArray(readInt32(s.tokens)) : [],
      logprobs: s.logprobs?.byteLength ? toNumberArray(readFloat32(s.logprobs)) : null,
    };
  });
  const prompt_logprobs = m.prompt_logprobs?.byteLength
    ? promptLogprobs(readFloat32(m.prompt_logprobs))
    : null;
  let topk: Array<Array<[number, number]> | null> | null = null;
  const t = m.topk_prompt_logprobs;
  const n = t?.prompt_length ?? 0;
  const k = t?.k ?? 0;
  if (t !== undefined && n > 0 && k > 0) {
    const ids = t.token_ids ? readInt32(t.token_ids) : new Int32Array();
    const lps = t.logprobs ? readFloat32(t.logprobs) : new Float32Array();
    if (ids.length < n * k || lps.length < n * k)
      throw new ProtoDecodeError("topk_prompt_logprobs shorter than prompt_length × k");
    const masked = (j: number) => ids[j] === 0 && lps[j] === TOPK_MASK_LOGPROB;
    topk = [];
    for (let i = 0; i < n; i++) {
      const start = i * k;
      if (masked(start)) {
        topk.push(null);
        continue;
      }
      let end = start + k;
      while (end > start && masked(end - 1)) end--;
      const row: Array<[number, number]> = [];
      for (let j = start; j < end; j++) row.push([ids[j] as number, lps[j] as number]);
      topk.push(row);
    }
  }
  return {
    sequences,
    prompt_logprobs,
    topk_prompt_logprobs: topk,
    prompt_cache_hit_tokens: m.prompt_cache_hit_tokens ?? 0,
  };
}

/** Decodes protobuf bytes of a SampleResponse into the SDK's result. */
export function parseSampleResponsePb(bytes: Uint8Array): SampleResponseV025 {
  return sampleResponseFromPb(decodeSampleResponse(bytes));
}

/** Per-datum outputs (the JSON result's shape) → one batched ArrayRecord, as a server sends it. */
export function forwardBackwardOutputToPb(out: {
  loss_fn_output_type: string;
  loss_fn_outputs: readonly Readonly<
    Record<string, { data: readonly number[]; dtype: "int64" | "float32"; shape?: readonly number[] | null }>
  >[];
  metrics: Readonly<Record<string, number>>;
}): PbForwardBackwardOutput {
  const names = new Set<string>();
  for (const d of out.loss_fn_outputs) for (const k of Object.keys(d)) names.add(k);
  const fields: Record<string, PbBatchedTensor> = {};
  for (const name of names) {
    const first = out.loss_fn_outputs.find((d) => d[name])?.[name];
    const dtype = first?.dtype === "int64" ? DType.INT64 : DType.FLOAT32;
    const item = dtypeItemSize(dtype);
    const all: number[] = [];
    const offsets: number[] = [0];
    for (const d of out.loss_fn_outputs) {
      const t = d[name];
      if (t) for (const v of t.data) all.push(v);
      offsets.push(all.length * item);
    }
    const shape = first?.shape ?? null;
    const bt: PbBatchedTensor = {
      data: dtype === DType.INT64 ? int64Bytes(all) : float32Bytes(all),
      offsets: int64Bytes(offsets),
      dtype,
    };
    if (shape && shape.length > 1) bt.trailing_shape = shape.slice(1);
    fields[name] = bt;
  }
  const m: PbForwardBackwardOutput = {
    loss_fn_output_type: out.loss_fn_output_type,
    metrics: { ...out.metrics },
  };
  if (out.loss_fn_outputs.length > 0) {
    m.loss_fn_outputs = [{ type_tag: "ArrayRecord", fields, num_datums: out.loss_fn_outputs.length }];
  }
  return m;
}

/** The SDK's SampleResponse → its protobuf message (null logprobs → NaN; top-k padded with the mask). */
export function sampleResponseToPb(r: {
  sequences: readonly {
    stop_reason: "stop" | "length";
    tokens: readonly number[];
    logprobs?: readonly number[] | null;
  }[];
  prompt_logprobs?: readonly (number | null)[] | null;
  topk_prompt_logprobs?: readonly (readonly (readonly [number, number])[] | null)[] | null;
  prompt_cache_hit_tokens?: number;
}): PbSampleResponse {
  const m: PbSampleResponse = {
    sequences: r.sequences.map((s) => {
      const seq: NonNullable<PbSampleResponse["sequences"]>[number] = { tokens: int32Bytes(s.tokens) };
      if (s.stop_reason === "length") seq.stop_reason = StopReasonPb.LENGTH;
      if (s.logprobs != null) seq.logprobs = float32Bytes(s.logprobs);
      return seq;
    }),
  };
  if (r.prompt_logprobs != null)
    m.prompt_logprobs = float32Bytes(r.prompt_logprobs.map((v) => v ?? Number.NaN));
  if (r.topk_prompt_logprobs != null) {
    const rows = r.topk_prompt_logprobs;
    const k = Math.max(0, ...rows.map((row) => row?.length ?? 0));
    const ids = new Int32Array(rows.length * k);
    const lps = new Float32Array(rows.length * k).fill(TOPK_MASK_LOGPROB);
    rows.forEach((row, i) => {
      row?.forEach(([id, lp], j) => {
        ids[i * k + j] = id;
        lps[i * k + j] = lp;
      });
    });
    m.topk_prompt_logprobs = {
      token_ids: int32Bytes(ids),
      logprobs: float32Bytes(lps),
      k,
      prompt_length: rows.length,
    };
  }
  if (r.prompt_cache_hit_tokens) m.prompt_cache_hit_tokens = r.prompt_cache_hit_tokens;
  return m;
}
