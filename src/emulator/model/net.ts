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

import { seededRandom } from "../../lib/seeded-random.js";
import { addABt, transpose } from "./kernels.js";

/** Vocabulary: 256 bytes plus BOS (256) and EOS (257). */
export const VOCAB = 258;
/** Model width and MLP width. */
export const D = 32;
export const F = 64;

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
  const rand = seededRandom(hashString(name));
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
  const rand = seededRandom(seed);
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

/** A LoRA adapter as float64 matrices for a pass: A (r×in), s·B (out×r) and its transpose. */
interface PreparedAdapter {
  readonly r: number;
  readonly inp: number;
  readonly out: number;
  readonly A: Float64Array;
  /** A transposed (in×r). */
  readonly At: Float64Array;
  /** B already multiplied by the LoRA scale (out×r). */
  readonly sB: Float64Array;
  /** sB transposed (r×out). */
  readonly sBt: Float64Array;
}

function prepareAdapter(ad: Adapter | undefined): PreparedAdapter | null {
  if (!ad) return null;
  const s = loraScale(ad.r);
  const sB = Float64Array.from(ad.B, (b) => s * b);
  return {
    r: ad.r,
    inp: ad.inp,
    out: ad.out,
    A: Float64Array.from(ad.A),
    At: transpose(ad.A, ad.r, ad.inp),
    sB,
    sBt: transpose(sB, ad.out, ad.r),
  };
}

/**
 * The weights one forward/backward pass uses, as float64 matrices (so the hot loops never convert),
 * with the transposes the backward pass needs, and the unembedding adapter merged into U
 * (U + s·B·A), which saves a LoRA product per token. Build it again after the adapters change.
 */
export interface Prepared {
  readonly E: Float64Array;
  readonly Wa: Float64Array;
  readonly W1: Float64Array;
  readonly W1t: Float64Array;
  readonly W2: Float64Array;
  readonly W2t: Float64Array;
  /** VOCAB×D effective unembedding, and its transpose. */
  readonly U: Float64Array;
  readonly Ut: Float64Array;
  readonly attn: PreparedAdapter | null;
  readonly mlp: PreparedAdapter | null;
  readonly unembed: PreparedAdapter | null;
}

/** Merge the frozen base and the adapters for a pass (see {@link Prepared}). */
export function prepare(base: BaseWeights, ad: Adapters): Prepared {
  const U = Float64Array.from(base.U);
  const unembed = prepareAdapter(ad.unembed);
  if (unembed) addABt(unembed.sB, unembed.At, U, VOCAB, D, unembed.r);
  return {
    E: Float64Array.from(base.E),
    Wa: Float64Array.from(base.Wa),
    W1: Float64Array.from(base.W1),
    W1t: transpose(base.W1, F, D),
    W2: Float64Array.from(base.W2),
    W2t: transpose(base.W2, D, F),
    U,
    Ut: transpose(U, VOCAB, D),
    attn: prepareAdapter(ad.attn),
    mlp: prepareAdapter(ad.mlp),
    unembed,
  };
}

/** Activations of n token positions, row-major, kept for the backward pass. */
export interface Activations {
  readonly n: number;
  /** n×D embeddings of the previous tokens (zero where there is none). */
  readonly P: Float64Array;
  readonly X: Float64Array; // n×D
  readonly PRE: Float64Array; // n×F
  readonly Y: Float64Array; // n×D
  readonly AXattn: Float64Array | null; // n×r
  readonly AXmlp: Float64Array | null; // n×r
  readonly AXun: Float64Array | null; // n×r
  /** n×VOCAB logits. */
  readonly Z: Float64Array;
}

/** out (n×o) += In·Aᵀ·(sB)ᵀ, keeping AX = In·Aᵀ (n×r) for the backward pass. */
function loraForward(a: PreparedAdapter, In: Float64Array, n: number, out: Float64Array): Float64Array {
  const AX = new Float64Array(n * a.r);
  addABt(In, a.A, AX, n, a.r, a.inp);
  addABt(AX, a.sB, out, n, a.out, a.r);
  return AX;
}

/** Logits of the next token at each position, given its token and the previous one (−1: none). */
export function forwardRows(p: Prepared, toks: ArrayLike<number>, prevs: ArrayLike<number>): Activations {
  const n = toks.length;
  const { E } = p;
  const P = new Float64Array(n * D);
  const X = new Float64Array(n * D);
  for (let t = 0; t < n; t++) {
    const tok = (toks[t] as number) * D;
    X.set(E.subarray(tok, tok + D), t * D);
    const pv = prevs[t] as number;
    if (pv >= 0) P.set(E.subarray(pv * D, pv * D + D), t * D);
  }
  addABt(P, p.Wa, X, n, D, D);
  const AXattn = p.attn ? loraForward(p.attn, P, n, X) : null;
  const PRE = new Float64Array(n * F);
  addABt(X, p.W1, PRE, n, F, D);
  const AXmlp = p.mlp ? loraForward(p.mlp, X, n, PRE) : null;
  const H = new Float64Array(n * F);
  for (let i = 0; i < H.length; i++) H[i] = Math.max(PRE[i] as number, 0);
  const Y = Float64Array.from(X);
  addABt(H, p.W2, Y, n, D, F);
  const Z = new Float64Array(n * VOCAB);
  addABt(Y, p.U, Z, n, VOCAB, D);
  let AXun: Float64Array | null = null;
  if (p.unembed) {
    // The adapter is merged into U; only A·y is needed, for the gradients.
    AXun = new Float64Array(n * p.unembed.r);
    addABt(Y, p.unembed.A, AXun, n, p.unembed.r, D);
  }
  return { n, P, X, PRE, Y, AXattn, AXmlp, AXun, Z };
}

/**
 * Log-softmax of `z[off … off+len)` in place. When `probs` is given it receives the probabilities
 * (saves the backward pass a second exp per entry).
 */
export function logSoftmax(z: Float64Array, off = 0, len = z.length, probs?: Float64Array): Float64Array {
  let m = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < len; i++) if ((z[off + i] as number) > m) m = z[off + i] as number;
  let s = 0;
  for (let i = 0; i < len; i++) {
    const e = Math.exp((z[off + i] as number) - m);
    if (probs) probs[i] = e;
    s += e;
  }
  const lse = m + Math.log(s);
  for (let i = 0; i < len; i++) z[off + i] = (z[off + i] as number) - lse;
  if (probs) for (let i = 0; i < len; i++) probs[i] = (probs[i] as number) / s;
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

/**
 * Gradients of one adapter over n positions, given dL/d(output) `dOut` (n×out), its input `In`
 * (n×in) and `AX` = In·Aᵀ: gB += s·dOutᵀ·AX, gA += (dOut·sB)ᵀ·In, and dIn += dOut·sB·A.
 */
function loraBackward(
  a: PreparedAdapter,
  g: { A: Float64Array; B: Float64Array },
  dOut: Float64Array,
  In: Float64Array,
  AX: Float64Array,
  n: number,
  dIn: Float64Array | null,
): void {
  const s = loraScale(a.r);
  const gB = new Float64Array(a.out * a.r);
  addABt(transpose(dOut, n, a.out), transpose(AX, n, a.r), gB, a.out, a.r, n);
  for (let i = 0; i < gB.length; i++) g.B[i] = (g.B[i] as number) + s * (gB[i] as number);
  const BT = new Float64Array(n * a.r); // dOut·sB
  addABt(dOut, a.sBt, BT, n, a.r, a.out);
  addABt(transpose(BT, n, a.r), transpose(In, n, a.inp), g.A, a.r, a.inp, n);
  if (dIn) addABt(BT, a.At, dIn, n, a.inp, a.r);
}

/**
 * Backpropagates dL/dlogits (`dZ`, n×VOCAB; zero rows for positions without a gradient) into the
 * adapter gradients `g`. With the unembedding merged, dL/dy = dZ·U is exact for the adapted model.
 */
export function backwardRows(p: Prepared, g: Grads, act: Activations, dZ: Float64Array): void {
  const { n } = act;
  const DY = new Float64Array(n * D);
  addABt(dZ, p.Ut, DY, n, D, VOCAB);
  if (p.unembed && g.unembed && act.AXun) loraBackward(p.unembed, g.unembed, dZ, act.Y, act.AXun, n, null);
  if (!p.mlp && !p.attn) return;
  const DPRE = new Float64Array(n * F);
  addABt(DY, p.W2t, DPRE, n, F, D);
  for (let i = 0; i < DPRE.length; i++) if ((act.PRE[i] as number) <= 0) DPRE[i] = 0;
  // dL/dx: the residual path, plus the MLP path when the attention adapter needs it.
  const DX = p.attn ? Float64Array.from(DY) : null;
  if (DX) addABt(DPRE, p.W1t, DX, n, D, F);
  if (p.mlp && g.mlp && act.AXmlp) loraBackward(p.mlp, g.mlp, DPRE, act.X, act.AXmlp, n, DX);
  if (p.attn && g.attn && act.AXattn && DX) loraBackward(p.attn, g.attn, DX, act.P, act.AXattn, n, null);
}
