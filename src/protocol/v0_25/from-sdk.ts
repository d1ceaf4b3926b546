/**
 * SDK wire objects → protobuf messages, as 0.25.0's `request_conv.py` builds them: tokens as int32,
 * each tensor in its declared dtype (`int64` → DTYPE_INT64, `float32` → DTYPE_FLOAT32), `shape` as
 * given, image bytes raw (not base64). Inputs may hold plain arrays (today's `TensorData`) or typed
 * arrays; typed arrays of the wire dtype go out as views, without touching each number.
 */
import { ValidationError } from "../../errors/index.js";
import { DType } from "./enums.js";
import type { PbChunk, PbDatum, PbForwardBackwardRequest, PbTensor } from "./forward-backward-request.js";
import { float32Bytes, int32Bytes, int64Bytes, type NumberArrayLike } from "./le-arrays.js";

/** Numbers of a tensor: plain, or typed (BigInt64Array for int64 goes out as is). */
export type TensorValues = NumberArrayLike | BigInt64Array;

/** What the converter reads from a tensor (`TensorData` fits; so does a typed-array holder). */
export interface TensorLike {
  readonly data: TensorValues;
  readonly dtype: "int64" | "float32";
  readonly shape?: readonly number[] | null;
  /** CSR layout: `data` holds the non-zero values. */
  readonly sparse_crow_indices?: TensorValues | null;
  readonly sparse_col_indices?: TensorValues | null;
}

/** Chunks the converter reads (the SDK's chunk union, plus typed tokens / raw image bytes / dmel). */
export type ChunkLike =
  | { readonly type: "encoded_text"; readonly tokens: NumberArrayLike }
  | {
      readonly type: "image";
      /** base64 string (the SDK's JSON form) or raw bytes. */
      readonly data: string | Uint8Array;
      readonly format: string;
      readonly expected_tokens?: number | null;
    }
  | { readonly type: "image_asset_pointer"; readonly location: string; readonly format: string }
  | { readonly type: "dmel"; readonly dmel: string | Uint8Array };

/** A datum as the converter reads it (`Datum` of src/types fits). */
export interface DatumLike {
  readonly model_input: { readonly chunks: readonly ChunkLike[] };
  readonly loss_fn_inputs: Readonly<Record<string, TensorLike>>;
}

/** Arguments of `forwardBackwardRequestToPb`. */
export interface ForwardBackwardArgs {
  model_id: string;
  seq_id: number;
  data: readonly DatumLike[];
  loss_fn: string;
  loss_fn_config?: Readonly<Record<string, number>> | null;
  /** `forward()` sends the same message with `forward_only: true`. */
  forward_only?: boolean;
}

function raw(data: string | Uint8Array): Uint8Array {
  return typeof data === "string" ? new Uint8Array(Buffer.from(data, "base64")) : data;
}

/** The message form of one chunk; an image asset pointer has none (0.25.0 raises before sending). */
export function chunkToPb(chunk: ChunkLike, field = "chunk"): PbChunk {
  switch (chunk.type) {
    case "encoded_text":
      return { encoded_text: { tokens: int32Bytes(chunk.tokens) } };
    case "image": {
      const image: NonNullable<PbChunk["image"]> = { data: raw(chunk.data), format: chunk.format };
      if (chunk.expected_tokens != null) image.expected_tokens = chunk.expected_tokens;
      return { image };
    }
    case "dmel":
      return { dmel: { dmel: raw(chunk.dmel) } };
    default:
      throw new ValidationError(
        field,
        `unsupported model input chunk type for protobuf: ${(chunk as { type: string }).type}`,
      );
  }
}

/** The message form of one tensor. */
export function tensorToPb(t: TensorLike, field = "tensor"): PbTensor {
  let values: Uint8Array;
  let dtype: number;
  if (t.dtype === "int64") {
    values = int64Bytes(t.data);
    dtype = DType.INT64;
  } else if (t.dtype === "float32") {
    if (t.data instanceof BigInt64Array)
      throw new ValidationError(field, "float32 tensor given a BigInt64Array");
    values = float32Bytes(t.data);
    dtype = DType.FLOAT32;
  } else {
    throw new ValidationError(`${field}.dtype`, `unsupported dtype for protobuf: ${String(t.dtype)}`);
  }
  const msg: PbTensor = {};
  if (t.sparse_crow_indices != null) {
    if (t.sparse_col_indices == null) {
      throw new ValidationError(field, "sparse_col_indices required with sparse_crow_indices");
    }
    msg.sparse_csr = {
      values,
      crow_indices: int64Bytes(t.sparse_crow_indices),
      col_indices: int64Bytes(t.sparse_col_indices),
    };
  } else {
    msg.dense = values;
  }
  msg.dtype = dtype;
  if (t.shape != null) msg.shape = [...t.shape];
  return msg;
}

/** The message form of one datum. */
export function datumToPb(d: DatumLike, field = "datum"): PbDatum {
  const loss_fn_inputs: Record<string, PbTensor> = {};
  for (const [k, t] of Object.entries(d.loss_fn_inputs))
    loss_fn_inputs[k] = tensorToPb(t, `${field}.loss_fn_inputs.${k}`);
  return {
    model_input: d.model_input.chunks.map((c, i) => chunkToPb(c, `${field}.model_input.chunks[${i}]`)),
    loss_fn_inputs,
  };
}

/** The `ForwardBackwardRequest` 0.25.0 sends for one chunk of `forward_backward` / `forward`. */
export function forwardBackwardRequestToPb(a: ForwardBackwardArgs): PbForwardBackwardRequest {
  const m: PbForwardBackwardRequest = {
    model_id: a.model_id,
    seq_id: a.seq_id,
    data: a.data.map((d, i) => datumToPb(d, `data[${i}]`)),
    loss_fn: a.loss_fn,
  };
  if (a.loss_fn_config != null) m.loss_fn_config = { ...a.loss_fn_config };
  if (a.forward_only) m.forward_only = true;
  return m;
}
