/**
 * The trainable model: batched forward/backward over data, Adam, and (de)serialization.
 */
import type {
  EngineAdamParams,
  EngineDatum,
  EngineForwardOutput,
  EngineLoraSpec,
  EngineLossFn,
  EngineSampler,
  EngineTensor,
  EngineTrainableModel,
} from "../engine.js";
import { tokenLoss } from "./losses.js";
import {
  type Adapters,
  type BaseWeights,
  type Grads,
  backwardRows,
  forwardRows,
  logSoftmax,
  makeAdapters,
  makeBase,
  PLACEMENTS,
  type Placement,
  prepare,
  VOCAB,
  zeroGrads,
} from "./net.js";
import { TinySampler } from "./sampler.js";
import { decodeAdapters, encodeAdapters } from "./serialize.js";
import { drain, drive } from "../yielding.js";

/** Rows computed between two chances to yield (about a millisecond of work). */
const SLICE_ROWS = 16;

function placementsOf(spec: EngineLoraSpec): Placement[] {
  const out: Placement[] = [];
  if (spec.trainAttn) out.push("attn");
  if (spec.trainMlp) out.push("mlp");
  if (spec.trainUnembed) out.push("unembed");
  return out;
}

function inputAt(
  inputs: Readonly<Record<string, EngineTensor>>,
  key: string,
  i: number,
  dflt: number,
): number {
  const t = inputs[key];
  return t && i < t.data.length ? Number(t.data[i]) : dflt;
}

/** A LoRA model over a frozen tiny base, with Adam state. */
export class TinyTrainableModel implements EngineTrainableModel {
  readonly base: BaseWeights;
  adapters: Adapters;
  grads: Grads;
  m: Grads;
  v: Grads;
  step = 0;

  constructor(
    readonly baseModel: string,
    readonly lora: EngineLoraSpec,
  ) {
    this.base = makeBase(baseModel);
    this.adapters = makeAdapters(lora.rank, lora.seed ?? 0, placementsOf(lora));
    this.grads = zeroGrads(this.adapters);
    this.m = zeroGrads(this.adapters);
    this.v = zeroGrads(this.adapters);
  }

  /**
   * Forward (and backward) over the batch, a slice of rows at a time: rows are independent (each
   * reads its token and the one before), so slicing changes nothing but lets a driver yield to the
   * event loop between slices. Gradients of every slice add up as one pass would.
   */
  private *steps(
    batch: readonly EngineDatum[],
    fn: EngineLossFn,
    cfg: Readonly<Record<string, number>> | null,
    backward: boolean,
  ): Generator<void, EngineForwardOutput> {
    let total = 0;
    const prepared = prepare(this.base, this.adapters);
    yield;
    const probs = new Float64Array(VOCAB);
    const lossFnOutputs: Array<Record<string, EngineTensor>> = [];
    for (const d of batch) {
      const n = d.tokens.length;
      const logprobs = new Float32Array(n);
      const elementwise = new Float32Array(n);
      for (let start = 0; start < n; start += SLICE_ROWS) {
        const end = Math.min(n, start + SLICE_ROWS);
        const m = end - start;
        const toks = d.tokens.slice(start, end);
        const prevs = Int32Array.from({ length: m }, (_, i) =>
          start + i > 0 ? (d.tokens[start + i - 1] as number) : -1,
        );
        const act = forwardRows(prepared, toks, prevs);
        const dZ = backward ? new Float64Array(m * VOCAB) : null;
        let anyGradient = false;
        for (let i = 0; i < m; i++) {
          const t = start + i;
          const target = inputAt(d.lossFnInputs, "target_tokens", t, -1);
          if (target < 0 || target >= VOCAB) continue;
          logSoftmax(act.Z, i * VOCAB, VOCAB, probs);
          const logp = act.Z[i * VOCAB + target] as number;
          const { loss, dlogp } = tokenLoss(
            fn,
            logp,
            {
              weight: inputAt(d.lossFnInputs, "weights", t, 1),
              samplingLogprob: inputAt(d.lossFnInputs, "logprobs", t, 0),
              advantage: inputAt(d.lossFnInputs, "advantages", t, 0),
            },
            cfg,
          );
          logprobs[t] = logp;
          elementwise[t] = loss;
          total += loss;
          if (dZ && dlogp !== 0) {
            // d logp[target] / d z = onehot − softmax
            const zo = i * VOCAB;
            for (let v = 0; v < VOCAB; v++) dZ[zo + v] = -dlogp * (probs[v] as number);
            dZ[zo + target] = (dZ[zo + target] as number) + dlogp;
            anyGradient = true;
          }
        }
        if (dZ && anyGradient) backwardRows(prepared, this.grads, act, dZ);
        yield;
      }
      const shape = [n];
      lossFnOutputs.push({
        logprobs: { data: logprobs, dtype: "float32", shape } satisfies EngineTensor,
        elementwise_loss: { data: elementwise, dtype: "float32", shape } satisfies EngineTensor,
      });
    }
    return { lossFnOutputs, metrics: { "loss:sum": total } };
  }

  private run(
    batch: readonly EngineDatum[],
    fn: EngineLossFn,
    cfg: Readonly<Record<string, number>> | null,
    backward: boolean,
  ): EngineForwardOutput {
    return drain(this.steps(batch, fn, cfg, backward));
  }

  /** Forward only: logprobs and losses, no gradient. */
  forward(
    batch: readonly EngineDatum[],
    fn: EngineLossFn,
    cfg: Readonly<Record<string, number>> | null,
  ): EngineForwardOutput {
    return this.run(batch, fn, cfg, false);
  }

  /** Forward and accumulate gradients of the summed loss. */
  forwardBackward(
    batch: readonly EngineDatum[],
    fn: EngineLossFn,
    cfg: Readonly<Record<string, number>> | null,
  ): EngineForwardOutput {
    return this.run(batch, fn, cfg, true);
  }

  /** {@link forward}, yielding to the event loop every few milliseconds. */
  forwardAsync(
    batch: readonly EngineDatum[],
    fn: EngineLossFn,
    cfg: Readonly<Record<string, number>> | null,
  ): Promise<EngineForwardOutput> {
    return drive(this.steps(batch, fn, cfg, false));
  }

  /** {@link forwardBackward}, yielding to the event loop every few milliseconds. */
  forwardBackwardAsync(
    batch: readonly EngineDatum[],
    fn: EngineLossFn,
    cfg: Readonly<Record<string, number>> | null,
  ): Promise<EngineForwardOutput> {
    return drive(this.steps(batch, fn, cfg, true));
  }

  /** Bias-corrected Adam on the accumulated gradients, which are then cleared. */
  optimStep(p: EngineAdamParams): Readonly<Record<string, number>> {
    this.step++;
    let sq = 0;
    for (const k of PLACEMENTS) {
      const g = this.grads[k];
      if (g) for (const arr of [g.A, g.B]) for (const x of arr) sq += x * x;
    }
    const c1 = 1 - p.beta1 ** this.step;
    const c2 = 1 - p.beta2 ** this.step;
    for (const k of PLACEMENTS) {
      const ad = this.adapters[k];
      const g = this.grads[k];
      const m = this.m[k];
      const v = this.v[k];
      if (!ad || !g || !m || !v) continue;
      for (const part of ["A", "B"] as const) {
        const w = ad[part];
        const gg = g[part];
        const mm = m[part];
        const vv = v[part];
        for (let i = 0; i < w.length; i++) {
          mm[i] = p.beta1 * mm[i] + (1 - p.beta1) * gg[i];
          vv[i] = p.beta2 * vv[i] + (1 - p.beta2) * gg[i] * gg[i];
          w[i] -= (p.learningRate * (mm[i] / c1)) / (Math.sqrt(vv[i] / c2) + p.eps);
          gg[i] = 0;
        }
      }
    }
    return { "learning_rate:mean": p.learningRate, "grad_norm:mean": Math.sqrt(sq) };
  }

  /** Weights, Adam moments and step. */
  saveState(): Uint8Array {
    return encodeAdapters(this.lora.rank, this.adapters, { m: this.m, v: this.v, step: this.step });
  }

  /** Restores `saveState` output; optimizer state is reset when `weightsOnly`. */
  loadState(state: Uint8Array, options?: { readonly weightsOnly?: boolean }): void {
    const dec = decodeAdapters(state);
    this.adapters = dec.adapters;
    this.grads = zeroGrads(this.adapters);
    if (dec.optim && !options?.weightsOnly) {
      this.m = dec.optim.m;
      this.v = dec.optim.v;
      this.step = dec.optim.step;
    } else {
      this.m = zeroGrads(this.adapters);
      this.v = zeroGrads(this.adapters);
      this.step = 0;
    }
  }

  /** Current adapter weights alone. */
  saveSamplerWeights(): Uint8Array {
    return encodeAdapters(this.lora.rank, this.adapters, null);
  }

  /** A sampler over a copy of the current weights. */
  snapshotSampler(): EngineSampler {
    return new TinySampler(this.base, decodeAdapters(this.saveSamplerWeights()).adapters);
  }
}
