/**
 * The byte estimates of protocol 0.25.0 (golden v0.25 README, facts 11 and 13). Forward/backward
 * datums are measured in estimated protobuf bytes: text tokens × 4 (int32), an inline image
 * `len(data)`, an asset pointer `len(location)`, a dmel chunk `len(dmel)`, and each tensor's
 * values in its dtype (int64 × 8, float32 × 4) plus 8 per sparse CSR index. A sample prompt is
 * measured for the dispatch budget with text tokens × 10 (images, pointers and dmel as above).
 * Inputs are read structurally, so the 0.4.1 wire JSON (no chunk `type`, base64 image data) and
 * the typed-array forms both fit.
 */

import { chunkTypeOf } from "../types/model-input.js";

/** Bytes one text token takes in a protobuf request (int32). */
export const PROTO_BYTES_PER_TOKEN = 4;
/** Bytes one sparse CSR index takes (int64). */
export const SPARSE_INDEX_BYTES = 8;
/** Bytes the sample dispatch budget counts per prompt token. */
export const SAMPLE_BYTES_PER_TOKEN = 10;

/** A model input chunk as the estimators read it. */
export interface EstimableChunk {
  readonly type?: string;
  readonly tokens?: ArrayLike<number> | number;
  /** Image bytes: raw, or base64 as the JSON wire form carries them. */
  readonly data?: string | Uint8Array;
  readonly location?: string;
  readonly dmel?: string | Uint8Array;
}

/** A tensor as the estimator reads it. */
export interface EstimableTensor {
  readonly data: ArrayLike<unknown>;
  readonly dtype: string;
  readonly sparse_crow_indices?: ArrayLike<unknown> | null;
  readonly sparse_col_indices?: ArrayLike<unknown> | null;
}

/** A datum as the estimator reads it. */
export interface EstimableDatum {
  readonly model_input: { readonly chunks: readonly EstimableChunk[] };
  readonly loss_fn_inputs: Readonly<Record<string, EstimableTensor>>;
}

/** Decoded length of base64 text (the bytes the SDK holds for an image). */
function base64Length(b64: string): number {
  let n = b64.length;
  while (n > 0 && (b64[n - 1] === "=" || b64[n - 1] === "\n")) n--;
  return Math.floor((n * 3) / 4);
}

function bytesLength(v: string | Uint8Array): number {
  return typeof v === "string" ? base64Length(v) : v.byteLength;
}

/** Which kind a chunk is: its `type`, or (0.4.1 JSON has none) the field only that kind has. */
function kindOf(c: EstimableChunk): "text" | "image" | "pointer" | "dmel" {
  switch (chunkTypeOf(c as Readonly<Record<string, unknown>>)) {
    case "image":
      return "image";
    case "image_asset_pointer":
      return "pointer";
    case "dmel":
      return "dmel";
    default:
      return "text";
  }
}

function chunkBytes(c: EstimableChunk, bytesPerToken: number): number {
  switch (kindOf(c)) {
    case "image":
      return bytesLength(c.data ?? "");
    case "pointer":
      return (c.location ?? "").length;
    case "dmel":
      return bytesLength(c.dmel ?? "");
    case "text": {
      const t = c.tokens;
      return (typeof t === "number" ? t : (t?.length ?? 0)) * bytesPerToken;
    }
  }
}

/** Bytes of one tensor: values in the declared dtype, plus 8 per sparse index. */
export function estimateTensorProtoBytes(t: EstimableTensor): number {
  const width = t.dtype === "int64" ? 8 : 4;
  let n = t.data.length * width;
  if (t.sparse_crow_indices != null) n += SPARSE_INDEX_BYTES * t.sparse_crow_indices.length;
  if (t.sparse_col_indices != null) n += SPARSE_INDEX_BYTES * t.sparse_col_indices.length;
  return n;
}

/** 0.25.0's estimate of a datum's protobuf bytes (what chunk caps and the fwd/bwd budget count). */
export function estimateDatumProtoBytes(d: EstimableDatum): number {
  let n = 0;
  for (const c of d.model_input.chunks) n += chunkBytes(c, PROTO_BYTES_PER_TOKEN);
  for (const t of Object.values(d.loss_fn_inputs)) n += estimateTensorProtoBytes(t);
  return n;
}

/** 0.25.0's estimate of a sample prompt for the sample dispatch budget (tokens × 10). */
export function estimateSampleBytes(prompt: { readonly chunks: readonly EstimableChunk[] }): number {
  let n = 0;
  for (const c of prompt.chunks) n += chunkBytes(c, SAMPLE_BYTES_PER_TOKEN);
  return n;
}
