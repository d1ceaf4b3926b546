/**
 * The "decoded" JSON form in which the golden v0.25 transcripts show protobuf bodies: only fields
 * present on the wire, in field-number order, map entries sorted by key, enums by name, packed LE
 * bytes as `{"__bytes__": n, "le": "int32"|"int64"|"float32", "values": [...]}` (NaN as "NaN") and
 * opaque bytes as `{"__bytes__": n, "base64": "..."}`. Both directions, so a test can compare our
 * decoded message with a transcript and rebuild a transcript body into bytes.
 */
import { DType, dtypeFromName, dtypeName, stopReasonFromName, stopReasonName } from "./enums.js";
import type {
  PbChunk,
  PbDatum,
  PbForwardBackwardRequest,
  PbSparseCsr,
  PbTensor,
} from "./forward-backward-request.js";
import type { PbArrayRecord, PbBatchedTensor, PbForwardBackwardOutput } from "./forward-backward-output.js";
import {
  float32Bytes,
  int32Bytes,
  int64Bytes,
  readFloat32,
  readInt32,
  readInt64Numbers,
} from "./le-arrays.js";
import { sortedKeys } from "./maps.js";
import type { PbSampleResponse, PbTopkPromptLogprobs } from "./sample-response.js";

/** A JSON value as the transcripts hold it. */
export type DisplayValue = null | boolean | number | string | DisplayValue[] | { [k: string]: DisplayValue };
type Obj = { [k: string]: DisplayValue };

/** Full names of the messages this codec knows. */
export type PbMessageName =
  | "tinker_public.ForwardBackwardRequest"
  | "tinker_public.ForwardBackwardOutput"
  | "tinker_public.SampleResponse";

type Le = "int32" | "int64" | "float32";

const num = (v: number): DisplayValue =>
  Number.isNaN(v)
    ? "NaN"
    : v === Number.POSITIVE_INFINITY
      ? "Infinity"
      : v === Number.NEGATIVE_INFINITY
        ? "-Infinity"
        : v;

function leDisplay(bytes: Uint8Array, le: Le): Obj {
  const values =
    le === "int32"
      ? Array.from(readInt32(bytes))
      : le === "int64"
        ? readInt64Numbers(bytes)
        : Array.from(readFloat32(bytes), num);
  return { __bytes__: bytes.byteLength, le, values };
}

function opaqueDisplay(bytes: Uint8Array): Obj {
  return { __bytes__: bytes.byteLength, base64: Buffer.from(bytes).toString("base64") };
}

const leOfDtype = (dtype: number | undefined): Le | undefined =>
  dtype === DType.FLOAT32
    ? "float32"
    : dtype === DType.INT64
      ? "int64"
      : dtype === DType.INT32
        ? "int32"
        : undefined;

function typedDisplay(bytes: Uint8Array, dtype: number | undefined): Obj {
  const le = leOfDtype(dtype);
  return le ? leDisplay(bytes, le) : opaqueDisplay(bytes);
}

function tensorDisplay(t: PbTensor): Obj {
  const o: Obj = {};
  if (t.dense !== undefined) o.dense = typedDisplay(t.dense, t.dtype);
  if (t.sparse_csr !== undefined) {
    const s = t.sparse_csr;
    const so: Obj = {};
    if (s.values?.byteLength) so.values = typedDisplay(s.values, t.dtype);
    if (s.crow_indices?.byteLength) so.crow_indices = leDisplay(s.crow_indices, "int64");
    if (s.col_indices?.byteLength) so.col_indices = leDisplay(s.col_indices, "int64");
    o.sparse_csr = so;
  }
  if (t.dtype) o.dtype = dtypeName(t.dtype);
  if (t.shape?.length) o.shape = [...t.shape];
  return o;
}

function chunkDisplay(c: PbChunk): Obj {
  if (c.encoded_text) {
    const e: Obj = {};
    if (c.encoded_text.tokens?.byteLength) e.tokens = leDisplay(c.encoded_text.tokens, "int32");
    return { encoded_text: e };
  }
  if (c.image) {
    const i: Obj = {};
    if (c.image.data?.byteLength) i.data = opaqueDisplay(c.image.data);
    if (c.image.format) i.format = c.image.format;
    if (c.image.expected_tokens !== undefined) i.expected_tokens = c.image.expected_tokens;
    return { image: i };
  }
  if (c.dmel) {
    const d: Obj = {};
    if (c.dmel.dmel?.byteLength) d.dmel = opaqueDisplay(c.dmel.dmel);
    return { dmel: d };
  }
  return {};
}

function sortedMap<V>(m: Record<string, V>, f: (v: V) => DisplayValue): Obj {
  const o: Obj = {};
  for (const k of sortedKeys(m)) o[k] = f(m[k] as V);
  return o;
}

function datumDisplay(d: PbDatum): Obj {
  const o: Obj = {};
  if (d.model_input?.length) o.model_input = d.model_input.map(chunkDisplay);
  if (d.loss_fn_inputs && Object.keys(d.loss_fn_inputs).length)
    o.loss_fn_inputs = sortedMap(d.loss_fn_inputs, tensorDisplay);
  return o;
}

/** Transcript form of a ForwardBackwardRequest. */
export function forwardBackwardRequestDisplay(m: PbForwardBackwardRequest): Obj {
  const o: Obj = { __message__: "tinker_public.ForwardBackwardRequest" };
  if (m.model_id) o.model_id = m.model_id;
  if (m.seq_id) o.seq_id = m.seq_id;
  if (m.data?.length) o.data = m.data.map(datumDisplay);
  if (m.loss_fn) o.loss_fn = m.loss_fn;
  if (m.loss_fn_config && Object.keys(m.loss_fn_config).length)
    o.loss_fn_config = sortedMap(m.loss_fn_config, num);
  if (m.forward_only) o.forward_only = true;
  return o;
}

function batchedDisplay(t: PbBatchedTensor): Obj {
  const o: Obj = {};
  if (t.data?.byteLength) o.data = typedDisplay(t.data, t.dtype);
  if (t.offsets?.byteLength) o.offsets = leDisplay(t.offsets, "int64");
  if (t.dtype) o.dtype = dtypeName(t.dtype);
  if (t.trailing_shape?.length) o.trailing_shape = [...t.trailing_shape];
  return o;
}

function recordDisplay(r: PbArrayRecord): Obj {
  const o: Obj = {};
  if (r.type_tag) o.type_tag = r.type_tag;
  if (r.fields && Object.keys(r.fields).length) o.fields = sortedMap(r.fields, batchedDisplay);
  if (r.num_datums) o.num_datums = r.num_datums;
  return o;
}

/** Transcript form of a ForwardBackwardOutput. */
export function forwardBackwardOutputDisplay(m: PbForwardBackwardOutput): Obj {
  const o: Obj = { __message__: "tinker_public.ForwardBackwardOutput" };
  if (m.loss_fn_output_type) o.loss_fn_output_type = m.loss_fn_output_type;
  if (m.loss_fn_outputs?.length) o.loss_fn_outputs = m.loss_fn_outputs.map(recordDisplay);
  if (m.metrics && Object.keys(m.metrics).length) o.metrics = sortedMap(m.metrics, num);
  return o;
}

function topkDisplay(t: PbTopkPromptLogprobs): Obj {
  const o: Obj = {};
  if (t.token_ids?.byteLength) o.token_ids = leDisplay(t.token_ids, "int32");
  if (t.logprobs?.byteLength) o.logprobs = leDisplay(t.logprobs, "float32");
  if (t.k) o.k = t.k;
  if (t.prompt_length) o.prompt_length = t.prompt_length;
  return o;
}

/** Transcript form of a SampleResponse. */
export function sampleResponseDisplay(m: PbSampleResponse): Obj {
  const o: Obj = { __message__: "tinker_public.SampleResponse" };
  if (m.sequences?.length) {
    o.sequences = m.sequences.map((s) => {
      const so: Obj = {};
      if (s.stop_reason) so.stop_reason = stopReasonName(s.stop_reason);
      if (s.tokens?.byteLength) so.tokens = leDisplay(s.tokens, "int32");
      if (s.logprobs !== undefined) so.logprobs = leDisplay(s.logprobs, "float32");
      return so;
    });
  }
  if (m.prompt_logprobs !== undefined) o.prompt_logprobs = leDisplay(m.prompt_logprobs, "float32");
  if (m.topk_prompt_logprobs !== undefined) o.topk_prompt_logprobs = topkDisplay(m.topk_prompt_logprobs);
  if (m.prompt_cache_hit_tokens) o.prompt_cache_hit_tokens = m.prompt_cache_hit_tokens;
  return o;
}

// ---- display → message (rebuilds transcript bodies for tests and the replay harness) ----

const numOf = (v: DisplayValue): number =>
  v === "NaN"
    ? Number.NaN
    : v === "Infinity"
      ? Number.POSITIVE_INFINITY
      : v === "-Infinity"
        ? Number.NEGATIVE_INFINITY
        : (v as number);

function bytesOf(v: DisplayValue | undefined): Uint8Array | undefined {
  if (v === undefined) return undefined;
  const o = v as Obj;
  if (typeof o.base64 === "string") return new Uint8Array(Buffer.from(o.base64, "base64"));
  const values = (o.values as DisplayValue[]).map(numOf);
  const le = o.le as Le;
  const out =
    le === "int32" ? int32Bytes(values) : le === "int64" ? int64Bytes(values) : float32Bytes(values);
  if (out.byteLength !== o.__bytes__)
    throw new Error(`display bytes: ${out.byteLength} != __bytes__ ${String(o.__bytes__)}`);
  return out;
}

function mapOf<V>(v: DisplayValue | undefined, f: (x: DisplayValue) => V): Record<string, V> | undefined {
  if (v === undefined) return undefined;
  const out: Record<string, V> = {};
  for (const [k, x] of Object.entries(v as Obj)) out[k] = f(x);
  return out;
}

function set<T extends object, K extends keyof T>(o: T, k: K, v: T[K] | undefined): void {
  if (v !== undefined) o[k] = v;
}

function tensorOf(v: DisplayValue): PbTensor {
  const o = v as Obj;
  const t: PbTensor = {};
  set(t, "dense", o.dense === undefined ? undefined : (bytesOf(o.dense) ?? new Uint8Array()));
  if (o.sparse_csr !== undefined) {
    const s = o.sparse_csr as Obj;
    const sp: PbSparseCsr = {};
    set(sp, "values", bytesOf(s.values));
    set(sp, "crow_indices", bytesOf(s.crow_indices));
    set(sp, "col_indices", bytesOf(s.col_indices));
    t.sparse_csr = sp;
  }
  if (o.dtype !== undefined) t.dtype = dtypeFromName(o.dtype as string);
  set(t, "shape", o.shape as number[] | undefined);
  return t;
}

function chunkOf(v: DisplayValue): PbChunk {
  const o = v as Obj;
  if (o.encoded_text !== undefined) {
    const e: { tokens?: Uint8Array } = {};
    set(e, "tokens", bytesOf((o.encoded_text as Obj).tokens));
    return { encoded_text: e };
  }
  if (o.image !== undefined) {
    const i = o.image as Obj;
    const img: { data?: Uint8Array; format?: string; expected_tokens?: number } = {};
    set(img, "data", bytesOf(i.data));
    set(img, "format", i.format as string | undefined);
    set(img, "expected_tokens", i.expected_tokens as number | undefined);
    return { image: img };
  }
  const d: { dmel?: Uint8Array } = {};
  set(d, "dmel", bytesOf((o.dmel as Obj | undefined)?.dmel));
  return { dmel: d };
}

/** Rebuilds a ForwardBackwardRequest from its transcript form. */
export function forwardBackwardRequestFromDisplay(v: DisplayValue): PbForwardBackwardRequest {
  const o = v as Obj;
  const m: PbForwardBackwardRequest = {};
  set(m, "model_id", o.model_id as string | undefined);
  set(m, "seq_id", o.seq_id as number | undefined);
  if (o.data !== undefined) {
    m.data = (o.data as Obj[]).map((d) => {
      const datum: PbDatum = {};
      if (d.model_input !== undefined) datum.model_input = (d.model_input as DisplayValue[]).map(chunkOf);
      set(datum, "loss_fn_inputs", mapOf(d.loss_fn_inputs, tensorOf));
      return datum;
    });
  }
  set(m, "loss_fn", o.loss_fn as string | undefined);
  set(m, "loss_fn_config", mapOf(o.loss_fn_config, numOf));
  set(m, "forward_only", o.forward_only as boolean | undefined);
  return m;
}

/** Rebuilds a ForwardBackwardOutput from its transcript form. */
export function forwardBackwardOutputFromDisplay(v: DisplayValue): PbForwardBackwardOutput {
  const o = v as Obj;
  const m: PbForwardBackwardOutput = {};
  set(m, "loss_fn_output_type", o.loss_fn_output_type as string | undefined);
  if (o.loss_fn_outputs !== undefined) {
    m.loss_fn_outputs = (o.loss_fn_outputs as Obj[]).map((r) => {
      const rec: PbArrayRecord = {};
      set(rec, "type_tag", r.type_tag as string | undefined);
      set(
        rec,
        "fields",
        mapOf(r.fields, (x) => {
          const b = x as Obj;
          const t: PbBatchedTensor = {};
          set(t, "data", bytesOf(b.data));
          set(t, "offsets", bytesOf(b.offsets));
          if (b.dtype !== undefined) t.dtype = dtypeFromName(b.dtype as string);
          set(t, "trailing_shape", b.trailing_shape as number[] | undefined);
          return t;
        }),
      );
      set(rec, "num_datums", r.num_datums as number | undefined);
      return rec;
    });
  }
  set(m, "metrics", mapOf(o.metrics, numOf));
  return m;
}

/** Rebuilds a SampleResponse from its transcript form. */
export function sampleResponseFromDisplay(v: DisplayValue): PbSampleResponse {
  const o = v as Obj;
  const m: PbSampleResponse = {};
  if (o.sequences !== undefined) {
    m.sequences = (o.sequences as Obj[]).map((s) => {
      const seq: { stop_reason?: number; tokens?: Uint8Array; logprobs?: Uint8Array } = {};
      if (s.stop_reason !== undefined) seq.stop_reason = stopReasonFromName(s.stop_reason as string);
      set(seq, "tokens", bytesOf(s.tokens));
      set(seq, "logprobs", bytesOf(s.logprobs));
      return seq;
    });
  }
  set(m, "prompt_logprobs", bytesOf(o.prompt_logprobs));
  if (o.topk_prompt_logprobs !== undefined) {
    const t = o.topk_prompt_logprobs as Obj;
    const topk: PbTopkPromptLogprobs = {};
    set(topk, "token_ids", bytesOf(t.token_ids));
    set(topk, "logprobs", bytesOf(t.logprobs));
    set(topk, "k", t.k as number | undefined);
    set(topk, "prompt_length", t.prompt_length as number | undefined);
    m.topk_prompt_logprobs = topk;
  }
  set(m, "prompt_cache_hit_tokens", o.prompt_cache_hit_tokens as number | undefined);
  return m;
}
