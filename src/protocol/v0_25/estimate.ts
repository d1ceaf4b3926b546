/**
 * Byte estimates 0.25.0 budgets with (golden README, facts 11 and 13): chunk caps count estimated
 * protobuf bytes of each datum; the sample dispatch budget counts a prompt at 10 bytes per token.
 */
import type { ChunkLike, DatumLike, TensorLike } from "./from-sdk.js";

function base64Length(s: string): number {
  // Decoded length of base64 text without decoding it.
  const pad = s.endsWith("==") ? 2 : s.endsWith("=") ? 1 : 0;
  return Math.floor((s.length * 3) / 4) - pad;
}

function opaqueLength(v: string | Uint8Array): number {
  return typeof v === "string" ? base64Length(v) : v.byteLength;
}

/** Estimated bytes of one chunk; text counts `bytesPerToken` per token (4 for protobuf, 10 for samples). */
export function estimateChunkBytes(chunk: ChunkLike, bytesPerToken: number): number {
  switch (chunk.type) {
    case "encoded_text":
      return chunk.tokens.length * bytesPerToken;
    case "image":
      return opaqueLength(chunk.data);
    case "image_asset_pointer":
      return chunk.location.length;
    case "dmel":
      return opaqueLength(chunk.dmel);
  }
}

/** Estimated bytes of a tensor: values × item size, plus 8 per sparse index. */
export function estimateTensorBytes(t: TensorLike): number {
  let n = t.data.length * (t.dtype === "int64" ? 8 : 4);
  if (t.sparse_crow_indices != null) n += 8 * t.sparse_crow_indices.length;
  if (t.sparse_col_indices != null) n += 8 * t.sparse_col_indices.length;
  return n;
}

/** `_estimate_datum_bytes_count_proto`: what `fwdbwd_max_chunk_bytes_count` is compared with. */
export function estimateDatumBytes(d: DatumLike): number {
  let n = 0;
  for (const c of d.model_input.chunks) n += estimateChunkBytes(c, 4);
  for (const t of Object.values(d.loss_fn_inputs)) n += estimateTensorBytes(t);
  return n;
}

/** `estimate_bytes_count_in_model_input`: what a sample reserves from the dispatch budget. */
export function estimatePromptBytes(prompt: { readonly chunks: readonly ChunkLike[] }): number {
  let n = 0;
  for (const c of prompt.chunks) n += estimateChunkBytes(c, 10);
  return n;
}
