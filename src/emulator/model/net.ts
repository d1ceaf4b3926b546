/**
 * A tiny frozen "base model" with LoRA adapters, and its hand-written backward pass.
 *
 * Architecture (byte-level, one position depends on the current and previous token):
 *   x  = E[tok] + Wa·E[prev]          (the "attention" mixing; LoRA when trainAttn)
 *   h  = relu(W1·x)                   (MLP; LoRA on W1 when trainMlp)
 *   y  = x + W2·h
 *   z  = U·y                          (unembedding; LoRA when trainUnembed)
 * Base weights are seeded from the model name so every model of a name is identical.
 */

/** Vocabulary: 256 bytes plus BOS (256) and EOS (257). */
export const VOCAB = 258;
/** Model width and MLP width. */
export const D = 32;
export const F = 64;

/** A deterministic PRNG (mulberry32) returning floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a hash of a string, used to seed base weights from the model name. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h >>> 0;
}

function gaussianFill(n: number, std: number, rand: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = Math.max(rand(), 1e-12);
    out[i] = std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  }
  return out;
}

/** Frozen base weights. */
export interface BaseWeights {
  readonly E: Float32Array; // VOCAB×D
  readonly Wa: Float32Array; // D×D
  readonly W1: Float32Array; // F×D
  readonly W2: Float32Array; // D×F
  readonly U: Float32Array; // VOCAB×D
}

/** Builds the base weights of a model name deterministically. */
export function makeBase(name: string): BaseWeights {
  const rand = mulberry32(hashString(name));
  return {
    E: gaussianFill(VOCAB * D, 1, rand),
    Wa: gaussianFill(D * D, 0.5 / Math.sqrt(D), rand),
    W1: gaussianFill(F * D, 1 / Math.sqrt(D), rand),
    W2: gaussianFill(D * F, 0.5 / Math.sqrt(F), rand),
    U: gaussianFill(VOCAB * D, 0.5 / Math.sqrt(D), rand),
  };
}

/** One LoRA adapter: A is r×in (random), B is out×r (zero), scaled by alpha/r. */
export interface Adapter {
  readonly out: number;
  readonly inp: number;
  readonly r: number;
  readonly A: Float32Array;
  readonly B: Float32Array;
}

/** The names of the adapter placements, in serialization order. */
export const PLACEMENTS = ["attn", "mlp", "unembed"] as const;
export type Placement = (typeof PLACEMENTS)[number];

/** Adapters by placement; a placement that is not trained is absent. */
export type Adapters = Partial<Record<Placement, Adapter>>;

const SHAPES: Record<Placement, [number, number]> = { attn: [D, D], mlp: [F, D], unembed: [VOCAB, D] };

/** Creates adapters for the requested placements (A random from `seed`, B zero). */
export function makeAdapters(rank: number, seed: number, which: readonly Placement[]): Adapters {
  const rand = mulberry32(seed);
  const out: Adapters = {};
  for (const p of PLACEMENTS) {
    if (!which.includes(p)) continue;
    const [o, i] = SHAPES[p];
    out[p] = {
      out: o,
      inp: i,
      r: rank,
      A: gaussianFill(rank * i, 1 / Math.sqrt(i), rand),
      B: new Float32Array(o * rank),
    };
  }
  return out;
}

/** LoRA scale alpha/r; alpha is fixed at 32 like common LoRA setups. */
export function loraScale(r: number): number {
  return 32 / r;
}

/** y += W·x for W out×inp (row-major). */
function matvecAdd(
  W: Float32Array,
  x: Float64Array | Float32Array,
  xOff: number,
  out: number,
  inp: number,
  y: Float64Array,
): void {
  for (let o = 0; o < out; o++) {
    let s = 0;
    const row = o * inp;
    for (let i = 0; i < inp; i++) s += W[row + i] * x[xOff + i];
    y[o] += s;
  }
}

/** y += scale·B·(A·x); also returns A·x for the backward pass. */
function loraAdd(ad: Adapter, x: Float64Array | Float32Array, xOff: number, y: Float64Array): Float64Array {
  const ax = new Float64Array(ad.r);
  matvecAdd(ad.A, x, xOff, ad.r, ad.inp, ax);
  const s = loraScale(ad.r);
  for (let o = 0; o < ad.out; o++) {
    let acc = 0;
    for (let k = 0; k < ad.r; k++) acc += ad.B[o * ad.r + k] * ax[k];
    y[o] += s * acc;
  }
  return ax;
}

/** Per-position activations kept for backward. */
export interface PositionCache {
  prev: number;
  x: Float64Array;
  pre: Float64Array;
  y: Float64Array;
  axAttn?: Float64Array;
  axMlp?: Float64Array;
  axUn?: Float64Array;
}

/** Logits of the next token given the current and previous token (prev < 0 means none). */
export function positionForward(
  base: BaseWeights,
  ad: Adapters,
  tok: number,
  prev: number,
): { logits: Float64Array; cache: PositionCache } {
  const x = new Float64Array(D);
  for (let i = 0; i < D; i++) x[i] = base.E[tok * D + i];
  let axAttn: Float64Array | undefined;
  if (prev >= 0) {
    matvecAdd(base.Wa, base.E, prev * D, D, D, x);
    if (ad.attn) axAttn = loraAdd(ad.attn, base.E, prev * D, x);
  }
  const pre = new Float64Array(F);
  matvecAdd(base.W1, x, 0, F, D, pre);
  const axMlp = ad.mlp ? loraAdd(ad.mlp, x, 0, pre) : undefined;
  const h = new Float64Array(F);
  for (let i = 0; i < F; i++) h[i] = Math.max(pre[i], 0);
  const y = Float64Array.from(x);
  matvecAdd(base.W2, h, 0, D, F, y);
  const logits = new Float64Array(VOCAB);
  matvecAdd(base.U, y, 0, VOCAB, D, logits);
  const axUn = ad.unembed ? loraAdd(ad.unembed, y, 0, logits) : undefined;
  return { logits, cache: { prev, x, pre, y, axAttn, axMlp, axUn } };
}

/** Log-softmax in place; returns the input array. */
export function logSoftmax(z: Float64Array): Float64Array {
  let m = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < z.length; i++) if (z[i] > m) m = z[i];
  let s = 0;
  for (let i = 0; i < z.length; i++) s += Math.exp(z[i] - m);
  const lse = m + Math.log(s);
  for (let i = 0; i < z.length; i++) z[i] -= lse;
  return z;
}

/** Gradient buffers shaped like the adapters. */
export type Grads = Partial<Record<Placement, { A: Float64Array; B: Float64Array }>>;

/** Zeroed gradient buffers for the adapters. */
export function zeroGrads(ad: Adapters): Grads {
  const g: Grads = {};
  for (const p of PLACEMENTS) {
    const a = ad[p];
    if (a) g[p] = { A: new Float64Array(a.A.length), B: new Float64Array(a.B.length) };
  }
  return g;
}

/** Accumulates adapter gradients for one position; returns dL/d(input) of the adapter. */
function loraBackward(
  ad: Adapter,
  g: { A: Float64Array; B: Float64Array },
  dy: Float64Array,
  x: Float64Array | Float32Array,
  xOff: number,
  ax: Float64Array,
  dx: Float64Array | null,
): void {
  const s = loraScale(ad.r);
  const bt = new Float64Array(ad.r);
  for (let o = 0; o < ad.out; o++) {
    const d = dy[o];
    if (d === 0) continue;
    for (let k = 0; k < ad.r; k++) {
      g.B[o * ad.r + k] += s * d * ax[k];
      bt[k] += ad.B[o * ad.r + k] * d;
    }
  }
  for (let k = 0; k < ad.r; k++) {
    const c = s * bt[k];
    if (c === 0) continue;
    for (let i = 0; i < ad.inp; i++) {
      g.A[k * ad.inp + i] += c * x[xOff + i];
      if (dx) dx[i] += ad.A[k * ad.inp + i] * c;
    }
  }
}

/** Backpropagates dL/dlogits of one position into the adapter gradients. */
export function positionBackward(
  base: BaseWeights,
  ad: Adapters,
  g: Grads,
  c: PositionCache,
  dlogits: Float64Array,
): void {
  const dy = new Float64Array(D);
  for (let v = 0; v < VOCAB; v++) {
    const d = dlogits[v];
    if (d === 0) continue;
    for (let i = 0; i < D; i++) dy[i] += base.U[v * D + i] * d;
  }
  if (ad.unembed && g.unembed && c.axUn) loraBackward(ad.unembed, g.unembed, dlogits, c.y, 0, c.axUn, dy);
  if (!ad.mlp && !ad.attn) return;
  const dx = Float64Array.from(dy);
  const dpre = new Float64Array(F);
  for (let f = 0; f < F; f++) {
    if (c.pre[f] <= 0) continue;
    let s = 0;
    for (let i = 0; i < D; i++) s += base.W2[i * F + f] * dy[i];
    dpre[f] = s;
  }
  if (ad.attn)
    for (let f = 0; f < F; f++)
      if (dpre[f] !== 0) for (let i = 0; i < D; i++) dx[i] += base.W1[f * D + i] * dpre[f];
  if (ad.mlp && g.mlp && c.axMlp) loraBackward(ad.mlp, g.mlp, dpre, c.x, 0, c.axMlp, ad.attn ? dx : null);
  if (ad.attn && g.attn && c.axAttn && c.prev >= 0)
    loraBackward(ad.attn, g.attn, dx, base.E, c.prev * D, c.axAttn, null);
}
