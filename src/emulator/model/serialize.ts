/**
 * Binary format of adapter weights (and optionally Adam state):
 * magic "TNY1", u32 rank, u32 placement mask, u32 hasOptim, u32 step, then float64 arrays in
 * placement order: A, B, and when hasOptim also mA, mB, vA, vB.
 */
import { type Adapters, type Grads, makeAdapters, PLACEMENTS, type Placement } from "./net.js";

const MAGIC = 0x31594e54;

/** Adam state carried alongside the weights. */
export interface OptimState {
  readonly m: Grads;
  readonly v: Grads;
  readonly step: number;
}

/** Serializes adapters (and Adam state when given). */
export function encodeAdapters(rank: number, ad: Adapters, optim: OptimState | null): Uint8Array {
  const arrays: ArrayLike<number>[] = [];
  let mask = 0;
  PLACEMENTS.forEach((p, i) => {
    const a = ad[p];
    if (!a) return;
    mask |= 1 << i;
    arrays.push(a.A, a.B);
    const m = optim?.m[p];
    const v = optim?.v[p];
    if (optim && m && v) arrays.push(m.A, m.B, v.A, v.B);
  });
  const n = arrays.reduce((s, a) => s + a.length, 0);
  const buf = new ArrayBuffer(24 + 8 * n);
  const dv = new DataView(buf);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, rank, true);
  dv.setUint32(8, mask, true);
  dv.setUint32(12, optim ? 1 : 0, true);
  dv.setUint32(16, optim?.step ?? 0, true);
  let off = 24;
  for (const a of arrays) for (let i = 0; i < a.length; i++, off += 8) dv.setFloat64(off, a[i], true);
  return new Uint8Array(buf);
}

/** Parses what `encodeAdapters` wrote. */
export function decodeAdapters(bytes: Uint8Array): { adapters: Adapters; optim: OptimState | null } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 24 || dv.getUint32(0, true) !== MAGIC) throw new Error("not tiny-model weights");
  const rank = dv.getUint32(4, true);
  const mask = dv.getUint32(8, true);
  const hasOptim = dv.getUint32(12, true) === 1;
  const step = dv.getUint32(16, true);
  const which = PLACEMENTS.filter((_, i) => (mask >> i) & 1) as Placement[];
  const adapters = makeAdapters(rank, 0, which);
  const m: Grads = {};
  const v: Grads = {};
  let off = 24;
  const fill = (dst: Float32Array | Float64Array) => {
    for (let i = 0; i < dst.length; i++, off += 8) dst[i] = dv.getFloat64(off, true);
  };
  for (const p of which) {
    const a = adapters[p];
    if (!a) continue;
    fill(a.A);
    fill(a.B);
    if (hasOptim) {
      const mm = { A: new Float64Array(a.A.length), B: new Float64Array(a.B.length) };
      const vv = { A: new Float64Array(a.A.length), B: new Float64Array(a.B.length) };
      fill(mm.A);
      fill(mm.B);
      fill(vv.A);
      fill(vv.B);
      m[p] = mm;
      v[p] = vv;
    }
  }
  if (off !== bytes.byteLength) throw new Error("tiny-model weights have the wrong length");
  return { adapters, optim: hasOptim ? { m, v, step } : null };
}
