/**
 * `tinker_public.ForwardBackwardOutput` (a forward/backward future's result as protobuf) with its
 * `ArrayRecord`s and `BatchedTensor`s (golden README, fact 9). The emulator encodes it; the SDK
 * decodes it.
 */
import { readDoubleValue, readMapEntry } from "./forward-backward-request.js";
import { sortedKeys } from "./maps.js";
import { lenFieldSize, Reader, utf8Length, varintSize, WT_LEN, WT_VARINT, Writer } from "./wire.js";
import { appended, withEntry } from "./wire.js";

/** `BatchedTensor`: every datum's values concatenated; `offsets` are int64 LE byte offsets (n+1). */
export interface PbBatchedTensor {
  data?: Uint8Array;
  offsets?: Uint8Array;
  dtype?: number;
  trailing_shape?: number[];
}

/** `ArrayRecord`. */
export interface PbArrayRecord {
  type_tag?: string;
  fields?: Record<string, PbBatchedTensor>;
  num_datums?: number;
}

/** `ForwardBackwardOutput`. */
export interface PbForwardBackwardOutput {
  loss_fn_output_type?: string;
  loss_fn_outputs?: PbArrayRecord[];
  metrics?: Record<string, number>;
}

const bytesSize = (field: number, b: Uint8Array | undefined) =>
  b !== undefined && b.byteLength > 0 ? lenFieldSize(field, b.byteLength) : 0;
const stringSize = (field: number, s: string | undefined) => (s ? lenFieldSize(field, utf8Length(s)) : 0);

function packedSize(xs: readonly number[]): number {
  let n = 0;
  for (const x of xs) n += varintSize(x);
  return n;
}

function batchedSize(t: PbBatchedTensor): number {
  let n = bytesSize(1, t.data) + bytesSize(2, t.offsets);
  if (t.dtype) n += 1 + varintSize(t.dtype);
  if (t.trailing_shape && t.trailing_shape.length > 0) n += lenFieldSize(4, packedSize(t.trailing_shape));
  return n;
}

function entrySize(key: string, t: PbBatchedTensor): number {
  return lenFieldSize(1, utf8Length(key)) + lenFieldSize(2, batchedSize(t));
}

function recordSize(r: PbArrayRecord): number {
  let n = stringSize(1, r.type_tag);
  const fields = r.fields ?? {};
  for (const k of Object.keys(fields)) n += lenFieldSize(2, entrySize(k, fields[k] as PbBatchedTensor));
  if (r.num_datums) n += 1 + varintSize(r.num_datums);
  return n;
}

function outputSize(m: PbForwardBackwardOutput): number {
  let n = stringSize(1, m.loss_fn_output_type);
  for (const r of m.loss_fn_outputs ?? []) n += lenFieldSize(2, recordSize(r));
  const metrics = m.metrics ?? {};
  for (const k of Object.keys(metrics)) n += lenFieldSize(3, lenFieldSize(1, utf8Length(k)) + 9);
  return n;
}

function writeBatched(w: Writer, t: PbBatchedTensor): void {
  if (t.data !== undefined && t.data.byteLength > 0) w.bytesField(1, t.data);
  if (t.offsets !== undefined && t.offsets.byteLength > 0) w.bytesField(2, t.offsets);
  if (t.dtype) w.varintField(3, t.dtype);
  if (t.trailing_shape && t.trailing_shape.length > 0) {
    w.lenHeader(4, packedSize(t.trailing_shape));
    for (const d of t.trailing_shape) w.varint(d);
  }
}

/** Serialises a ForwardBackwardOutput, map entries sorted by key (deterministic bytes). */
export function encodeForwardBackwardOutput(m: PbForwardBackwardOutput): Uint8Array {
  const w = new Writer(outputSize(m));
  if (m.loss_fn_output_type) w.stringField(1, m.loss_fn_output_type, utf8Length(m.loss_fn_output_type));
  for (const r of m.loss_fn_outputs ?? []) {
    w.lenHeader(2, recordSize(r));
    if (r.type_tag) w.stringField(1, r.type_tag, utf8Length(r.type_tag));
    const fields = r.fields ?? {};
    for (const k of sortedKeys(fields)) {
      const t = fields[k] as PbBatchedTensor;
      w.lenHeader(2, entrySize(k, t));
      w.stringField(1, k, utf8Length(k));
      w.lenHeader(2, batchedSize(t));
      writeBatched(w, t);
    }
    if (r.num_datums) w.varintField(3, r.num_datums);
  }
  const metrics = m.metrics ?? {};
  for (const k of sortedKeys(metrics)) {
    w.lenHeader(3, lenFieldSize(1, utf8Length(k)) + 9);
    w.stringField(1, k, utf8Length(k));
    w.doubleField(2, metrics[k] as number);
  }
  if (w.pos !== w.buf.byteLength) throw new Error(`encoder size mismatch: ${w.pos} != ${w.buf.byteLength}`);
  return w.buf;
}

function decodeBatched(r: Reader): PbBatchedTensor {
  const t: PbBatchedTensor = {};
  while (!r.done) {
    const tag = r.varint();
    const f = tag >>> 3;
    const wt = tag & 7;
    if (f === 1 && wt === WT_LEN) t.data = r.bytes();
    else if (f === 2 && wt === WT_LEN) t.offsets = r.bytes();
    else if (f === 3 && wt === WT_VARINT) t.dtype = r.int32();
    else if (f === 4) t.trailing_shape = r.repeatedInt64(wt, t.trailing_shape);
    else r.skip(wt);
  }
  return t;
}

function decodeRecord(r: Reader): PbArrayRecord {
  const rec: PbArrayRecord = {};
  while (!r.done) {
    const tag = r.varint();
    const f = tag >>> 3;
    const wt = tag & 7;
    if (f === 1 && wt === WT_LEN) rec.type_tag = r.string();
    else if (f === 2 && wt === WT_LEN) {
      const [k, v] = readMapEntry(r.sub(), (s) => decodeBatched(s.sub()), {} as PbBatchedTensor);
      rec.fields = withEntry(rec.fields, k, v);
    } else if (f === 3 && wt === WT_VARINT) rec.num_datums = r.varint();
    else r.skip(wt);
  }
  return rec;
}

/** Parses a ForwardBackwardOutput (bytes fields are views into `buf`). */
export function decodeForwardBackwardOutput(buf: Uint8Array): PbForwardBackwardOutput {
  const r = new Reader(buf);
  const m: PbForwardBackwardOutput = {};
  while (!r.done) {
    const tag = r.varint();
    const f = tag >>> 3;
    const wt = tag & 7;
    if (f === 1 && wt === WT_LEN) m.loss_fn_output_type = r.string();
    else if (f === 2 && wt === WT_LEN) m.loss_fn_outputs = appended(m.loss_fn_outputs, decodeRecord(r.sub()));
    else if (f === 3 && wt === WT_LEN) {
      const [k, v] = readMapEntry(r.sub(), readDoubleValue, 0);
      m.metrics = withEntry(m.metrics, k, v);
    } else r.skip(wt);
  }
  return m;
}
