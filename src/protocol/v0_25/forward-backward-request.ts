/**
 * `tinker_public.ForwardBackwardRequest` and what it holds (Datum, Chunk, Tensor): the message
 * 0.25.0 sends for `forward_backward` and `forward`. Field numbers and presence follow the schema
 * at d595dc2 (see the golden README, fact 6). Bytes fields hold little-endian arrays, copied whole.
 */
import { sortedKeys } from "./maps.js";
import {
  lenFieldSize,
  ProtoDecodeError,
  Reader,
  utf8Length,
  varintSize,
  WT_I64,
  WT_LEN,
  WT_VARINT,
  Writer,
} from "./wire.js";
import { appended, withEntry } from "./wire.js";

/** `SparseCsr`: values in the tensor's dtype, indices as int64 LE. */
export interface PbSparseCsr {
  values?: Uint8Array;
  crow_indices?: Uint8Array;
  col_indices?: Uint8Array;
}

/** `Tensor`: `dense` or `sparse_csr` (a oneof), `dtype` (DType number), `shape` (packed int64). */
export interface PbTensor {
  dense?: Uint8Array;
  sparse_csr?: PbSparseCsr;
  dtype?: number;
  shape?: number[];
}

/** `Chunk`, a oneof: exactly one of the three is set. */
export interface PbChunk {
  /** `tokens`: int32 LE. */
  encoded_text?: { tokens?: Uint8Array };
  /** `data`: raw image bytes; `expected_tokens` only when set. */
  image?: { data?: Uint8Array; format?: string; expected_tokens?: number };
  dmel?: { dmel?: Uint8Array };
}

/** `Datum`. */
export interface PbDatum {
  model_input?: PbChunk[];
  loss_fn_inputs?: Record<string, PbTensor>;
}

/** `ForwardBackwardRequest`; absent fields are proto3 defaults ("", 0, [], {}, false). */
export interface PbForwardBackwardRequest {
  model_id?: string;
  seq_id?: number;
  data?: PbDatum[];
  loss_fn?: string;
  loss_fn_config?: Record<string, number>;
  forward_only?: boolean;
}

const len = (b: Uint8Array | undefined) => (b === undefined ? 0 : b.byteLength);
/** Implicit-presence bytes/string: on the wire only when non-empty. */
const bytesSize = (field: number, b: Uint8Array | undefined) =>
  len(b) > 0 ? lenFieldSize(field, len(b)) : 0;
const stringSize = (field: number, s: string | undefined) => (s ? lenFieldSize(field, utf8Length(s)) : 0);

function sparseSize(s: PbSparseCsr): number {
  return bytesSize(1, s.values) + bytesSize(2, s.crow_indices) + bytesSize(3, s.col_indices);
}

function shapeBodySize(shape: readonly number[]): number {
  let n = 0;
  for (const d of shape) n += varintSize(d);
  return n;
}

function tensorSize(t: PbTensor): number {
  let n = 0;
  // Oneof members are written whenever set, even when empty.
  if (t.dense !== undefined) n += lenFieldSize(1, t.dense.byteLength);
  else if (t.sparse_csr !== undefined) n += lenFieldSize(2, sparseSize(t.sparse_csr));
  if (t.dtype) n += 1 + varintSize(t.dtype);
  if (t.shape && t.shape.length > 0) n += lenFieldSize(4, shapeBodySize(t.shape));
  return n;
}

function chunkBodySize(c: PbChunk): number {
  if (c.encoded_text) return bytesSize(1, c.encoded_text.tokens);
  if (c.image) {
    const i = c.image;
    return (
      bytesSize(1, i.data) +
      stringSize(2, i.format) +
      (i.expected_tokens === undefined ? 0 : 1 + varintSize(i.expected_tokens))
    );
  }
  if (c.dmel) return bytesSize(1, c.dmel.dmel);
  return 0;
}

function chunkSize(c: PbChunk): number {
  const field = c.encoded_text ? 1 : c.image ? 2 : c.dmel ? 3 : 0;
  return field === 0 ? 0 : lenFieldSize(field, chunkBodySize(c));
}

function mapEntrySize(key: string, valueFieldSize: number): number {
  // Map entries carry key and value even when they are defaults (as protobuf C++ writes them).
  return lenFieldSize(1, utf8Length(key)) + valueFieldSize;
}

function datumSize(d: PbDatum): number {
  let n = 0;
  for (const c of d.model_input ?? []) n += lenFieldSize(1, chunkSize(c));
  const inputs = d.loss_fn_inputs ?? {};
  for (const k of Object.keys(inputs)) {
    n += lenFieldSize(2, mapEntrySize(k, lenFieldSize(2, tensorSize(inputs[k] as PbTensor))));
  }
  return n;
}

/** Exact encoded length of a ForwardBackwardRequest. */
export function forwardBackwardRequestSize(m: PbForwardBackwardRequest): number {
  let n = stringSize(1, m.model_id);
  if (m.seq_id) n += 1 + varintSize(m.seq_id);
  for (const d of m.data ?? []) n += lenFieldSize(3, datumSize(d));
  n += stringSize(4, m.loss_fn);
  const cfg = m.loss_fn_config ?? {};
  for (const k of Object.keys(cfg)) n += lenFieldSize(5, mapEntrySize(k, 1 + 8));
  if (m.forward_only) n += 2;
  return n;
}

function writeBytes(w: Writer, field: number, b: Uint8Array | undefined): void {
  if (b !== undefined && b.byteLength > 0) w.bytesField(field, b);
}

function writeString(w: Writer, field: number, s: string | undefined): void {
  if (s) w.stringField(field, s, utf8Length(s));
}

function writeTensor(w: Writer, t: PbTensor): void {
  if (t.dense !== undefined) w.bytesField(1, t.dense);
  else if (t.sparse_csr !== undefined) {
    const s = t.sparse_csr;
    w.lenHeader(2, sparseSize(s));
    writeBytes(w, 1, s.values);
    writeBytes(w, 2, s.crow_indices);
    writeBytes(w, 3, s.col_indices);
  }
  if (t.dtype) w.varintField(3, t.dtype);
  if (t.shape && t.shape.length > 0) {
    w.lenHeader(4, shapeBodySize(t.shape));
    for (const d of t.shape) w.varint(d);
  }
}

function writeChunk(w: Writer, c: PbChunk): void {
  const field = c.encoded_text ? 1 : c.image ? 2 : c.dmel ? 3 : 0;
  if (field === 0) return;
  w.lenHeader(field, chunkBodySize(c));
  if (c.encoded_text) writeBytes(w, 1, c.encoded_text.tokens);
  else if (c.image) {
    writeBytes(w, 1, c.image.data);
    writeString(w, 2, c.image.format);
    if (c.image.expected_tokens !== undefined) w.varintField(3, c.image.expected_tokens);
  } else if (c.dmel) writeBytes(w, 1, c.dmel.dmel);
}

function writeDatum(w: Writer, d: PbDatum): void {
  for (const c of d.model_input ?? []) {
    w.lenHeader(1, chunkSize(c));
    writeChunk(w, c);
  }
  const inputs = d.loss_fn_inputs ?? {};
  for (const k of sortedKeys(inputs)) {
    const t = inputs[k] as PbTensor;
    const ts = tensorSize(t);
    w.lenHeader(2, mapEntrySize(k, lenFieldSize(2, ts)));
    w.stringField(1, k, utf8Length(k));
    w.lenHeader(2, ts);
    writeTensor(w, t);
  }
}

/**
 * Serialises a ForwardBackwardRequest. Map entries go out sorted by key, so the result is also the
 * canonical form the transcripts hash. One allocation of the exact size.
 */
export function encodeForwardBackwardRequest(m: PbForwardBackwardRequest): Uint8Array {
  const w = new Writer(forwardBackwardRequestSize(m));
  writeString(w, 1, m.model_id);
  if (m.seq_id) w.varintField(2, m.seq_id);
  for (const d of m.data ?? []) {
    w.lenHeader(3, datumSize(d));
    writeDatum(w, d);
  }
  writeString(w, 4, m.loss_fn);
  const cfg = m.loss_fn_config ?? {};
  for (const k of sortedKeys(cfg)) {
    w.lenHeader(5, mapEntrySize(k, 9));
    w.stringField(1, k, utf8Length(k));
    w.doubleField(2, cfg[k] as number);
  }
  if (m.forward_only) w.varintField(6, 1);
  if (w.pos !== w.buf.byteLength) throw new Error(`encoder size mismatch: ${w.pos} != ${w.buf.byteLength}`);
  return w.buf;
}

function expect(wt: number, want: number, what: string): void {
  if (wt !== want) throw new ProtoDecodeError(`${what}: wire type ${wt}, expected ${want}`);
}

function decodeSparse(r: Reader): PbSparseCsr {
  const s: PbSparseCsr = {};
  while (!r.done) {
    const tag = r.varint();
    const f = tag >>> 3;
    const wt = tag & 7;
    if (f === 1 && wt === WT_LEN) s.values = r.bytes();
    else if (f === 2 && wt === WT_LEN) s.crow_indices = r.bytes();
    else if (f === 3 && wt === WT_LEN) s.col_indices = r.bytes();
    else r.skip(wt);
  }
  return s;
}

/** Decodes a `Tensor` from a reader positioned on its body. */
export function decodeTensor(r: Reader): PbTensor {
  const t: PbTensor = {};
  while (!r.done) {
    const tag = r.varint();
    const f = tag >>> 3;
    const wt = tag & 7;
    if (f === 1 && wt === WT_LEN) {
      t.dense = r.bytes();
      delete t.sparse_csr;
    } else if (f === 2 && wt === WT_LEN) {
      t.sparse_csr = decodeSparse(r.sub());
      delete t.dense;
    } else if (f === 3 && wt === WT_VARINT) t.dtype = r.int32();
    else if (f === 4) t.shape = r.repeatedInt64(wt, t.shape);
    else r.skip(wt);
  }
  return t;
}

function decodeChunk(r: Reader): PbChunk {
  let c: PbChunk = {};
  while (!r.done) {
    const tag = r.varint();
    const f = tag >>> 3;
    const wt = tag & 7;
    if (f >= 1 && f <= 3 && wt === WT_LEN) {
      const s = r.sub();
      if (f === 1) {
        const e: { tokens?: Uint8Array } = {};
        while (!s.done) {
          const t = s.varint();
          if (t >>> 3 === 1 && (t & 7) === WT_LEN) e.tokens = s.bytes();
          else s.skip(t & 7);
        }
        c = { encoded_text: e };
      } else if (f === 2) {
        const i: { data?: Uint8Array; format?: string; expected_tokens?: number } = {};
        while (!s.done) {
          const t = s.varint();
          const ff = t >>> 3;
          if (ff === 1 && (t & 7) === WT_LEN) i.data = s.bytes();
          else if (ff === 2 && (t & 7) === WT_LEN) i.format = s.string();
          else if (ff === 3 && (t & 7) === WT_VARINT) i.expected_tokens = s.int32();
          else s.skip(t & 7);
        }
        c = { image: i };
      } else {
        const d: { dmel?: Uint8Array } = {};
        while (!s.done) {
          const t = s.varint();
          if (t >>> 3 === 1 && (t & 7) === WT_LEN) d.dmel = s.bytes();
          else s.skip(t & 7);
        }
        c = { dmel: d };
      }
    } else r.skip(wt);
  }
  return c;
}

/** Reads one map entry `{1: string key, 2: value}` with `value` decoding field 2. */
export function readMapEntry<V>(r: Reader, value: (r: Reader, wireType: number) => V, empty: V): [string, V] {
  let key = "";
  let v = empty;
  while (!r.done) {
    const tag = r.varint();
    const f = tag >>> 3;
    const wt = tag & 7;
    if (f === 1 && wt === WT_LEN) key = r.string();
    else if (f === 2) v = value(r, wt);
    else r.skip(wt);
  }
  return [key, v];
}

/** Value reader for `map<string,double>` entries. */
export function readDoubleValue(r: Reader, wt: number): number {
  expect(wt, WT_I64, "map<string,double> value");
  return r.double();
}

function decodeDatum(r: Reader): PbDatum {
  const d: PbDatum = {};
  while (!r.done) {
    const tag = r.varint();
    const f = tag >>> 3;
    const wt = tag & 7;
    if (f === 1 && wt === WT_LEN) d.model_input = appended(d.model_input, decodeChunk(r.sub()));
    else if (f === 2 && wt === WT_LEN) {
      const [k, v] = readMapEntry(
        r.sub(),
        (s, w) => {
          expect(w, WT_LEN, "loss_fn_inputs value");
          return decodeTensor(s.sub());
        },
        {} as PbTensor,
      );
      d.loss_fn_inputs = withEntry(d.loss_fn_inputs, k, v);
    } else r.skip(wt);
  }
  return d;
}

/** Parses a ForwardBackwardRequest; bytes fields are views into `buf`. Only fields on the wire are set. */
export function decodeForwardBackwardRequest(buf: Uint8Array): PbForwardBackwardRequest {
  const r = new Reader(buf);
  const m: PbForwardBackwardRequest = {};
  while (!r.done) {
    const tag = r.varint();
    const f = tag >>> 3;
    const wt = tag & 7;
    if (f === 1 && wt === WT_LEN) m.model_id = r.string();
    else if (f === 2 && wt === WT_VARINT) m.seq_id = r.int32();
    else if (f === 3 && wt === WT_LEN) m.data = appended(m.data, decodeDatum(r.sub()));
    else if (f === 4 && wt === WT_LEN) m.loss_fn = r.string();
    else if (f === 5 && wt === WT_LEN) {
      const [k, v] = readMapEntry(r.sub(), readDoubleValue, 0);
      m.loss_fn_config = withEntry(m.loss_fn_config, k, v);
    } else if (f === 6 && wt === WT_VARINT) m.forward_only = r.varint() !== 0;
    else r.skip(wt);
  }
  return m;
}
