/**
 * `tinker_public.SampleResponse`: a sample future's result as protobuf (golden README, fact 9).
 * `prompt_logprobs`, `topk_prompt_logprobs` and a sequence's `logprobs` have explicit presence (on
 * the wire whenever set); the rest are proto3 implicit fields (absent when default).
 */
import { appended, lenFieldSize, Reader, varintSize, WT_LEN, WT_VARINT, Writer } from "./wire.js";

/** `SampledSequence`: `tokens` int32 LE, `logprobs` float32 LE (optional). */
export interface PbSampledSequence {
  stop_reason?: number;
  tokens?: Uint8Array;
  logprobs?: Uint8Array;
}

/** `TopkPromptLogprobs`: row-major `prompt_length × k` int32 / float32 matrices. */
export interface PbTopkPromptLogprobs {
  token_ids?: Uint8Array;
  logprobs?: Uint8Array;
  k?: number;
  prompt_length?: number;
}

/** `SampleResponse`. */
export interface PbSampleResponse {
  sequences?: PbSampledSequence[];
  /** float32 LE, NaN where there is no value. */
  prompt_logprobs?: Uint8Array;
  topk_prompt_logprobs?: PbTopkPromptLogprobs;
  prompt_cache_hit_tokens?: number;
}

const implicitBytes = (field: number, b: Uint8Array | undefined) =>
  b !== undefined && b.byteLength > 0 ? lenFieldSize(field, b.byteLength) : 0;

function sequenceSize(s: PbSampledSequence): number {
  return (
    (s.stop_reason ? 1 + varintSize(s.stop_reason) : 0) +
    implicitBytes(2, s.tokens) +
    (s.logprobs === undefined ? 0 : lenFieldSize(3, s.logprobs.byteLength))
  );
}

function topkSize(t: PbTopkPromptLogprobs): number {
  return (
    implicitBytes(1, t.token_ids) +
    implicitBytes(2, t.logprobs) +
    (t.k ? 1 + varintSize(t.k) : 0) +
    (t.prompt_length ? 1 + varintSize(t.prompt_length) : 0)
  );
}

function responseSize(m: PbSampleResponse): number {
  let n = 0;
  for (const s of m.sequences ?? []) n += lenFieldSize(1, sequenceSize(s));
  if (m.prompt_logprobs !== undefined) n += lenFieldSize(2, m.prompt_logprobs.byteLength);
  if (m.topk_prompt_logprobs !== undefined) n += lenFieldSize(3, topkSize(m.topk_prompt_logprobs));
  if (m.prompt_cache_hit_tokens) n += 1 + varintSize(m.prompt_cache_hit_tokens);
  return n;
}

/** Serialises a SampleResponse (one allocation of the exact size). */
export function encodeSampleResponse(m: PbSampleResponse): Uint8Array {
  const w = new Writer(responseSize(m));
  for (const s of m.sequences ?? []) {
    w.lenHeader(1, sequenceSize(s));
    if (s.stop_reason) w.varintField(1, s.stop_reason);
    if (s.tokens !== undefined && s.tokens.byteLength > 0) w.bytesField(2, s.tokens);
    if (s.logprobs !== undefined) w.bytesField(3, s.logprobs);
  }
  if (m.prompt_logprobs !== undefined) w.bytesField(2, m.prompt_logprobs);
  const t = m.topk_prompt_logprobs;
  if (t !== undefined) {
    w.lenHeader(3, topkSize(t));
    if (t.token_ids !== undefined && t.token_ids.byteLength > 0) w.bytesField(1, t.token_ids);
    if (t.logprobs !== undefined && t.logprobs.byteLength > 0) w.bytesField(2, t.logprobs);
    if (t.k) w.varintField(3, t.k);
    if (t.prompt_length) w.varintField(4, t.prompt_length);
  }
  if (m.prompt_cache_hit_tokens) w.varintField(4, m.prompt_cache_hit_tokens);
  if (w.pos !== w.buf.byteLength) throw new Error(`encoder size mismatch: ${w.pos} != ${w.buf.byteLength}`);
  return w.buf;
}

function decodeSequence(r: Reader): PbSampledSequence {
  const s: PbSampledSequence = {};
  while (!r.done) {
    const tag = r.varint();
    const f = tag >>> 3;
    const wt = tag & 7;
    if (f === 1 && wt === WT_VARINT) s.stop_reason = r.int32();
    else if (f === 2 && wt === WT_LEN) s.tokens = r.bytes();
    else if (f === 3 && wt === WT_LEN) s.logprobs = r.bytes();
    else r.skip(wt);
  }
  return s;
}

function decodeTopk(r: Reader): PbTopkPromptLogprobs {
  const t: PbTopkPromptLogprobs = {};
  while (!r.done) {
    const tag = r.varint();
    const f = tag >>> 3;
    const wt = tag & 7;
    if (f === 1 && wt === WT_LEN) t.token_ids = r.bytes();
    else if (f === 2 && wt === WT_LEN) t.logprobs = r.bytes();
    else if (f === 3 && wt === WT_VARINT) t.k = r.varint() >>> 0;
    else if (f === 4 && wt === WT_VARINT) t.prompt_length = r.varint() >>> 0;
    else r.skip(wt);
  }
  return t;
}

/** Parses a SampleResponse (bytes fields are views into `buf`). */
export function decodeSampleResponse(buf: Uint8Array): PbSampleResponse {
  const r = new Reader(buf);
  const m: PbSampleResponse = {};
  while (!r.done) {
    const tag = r.varint();
    const f = tag >>> 3;
    const wt = tag & 7;
    if (f === 1 && wt === WT_LEN) m.sequences = appended(m.sequences, decodeSequence(r.sub()));
    else if (f === 2 && wt === WT_LEN) m.prompt_logprobs = r.bytes();
    else if (f === 3 && wt === WT_LEN) m.topk_prompt_logprobs = decodeTopk(r.sub());
    else if (f === 4 && wt === WT_VARINT) m.prompt_cache_hit_tokens = r.int32();
    else r.skip(wt);
  }
  return m;
}
