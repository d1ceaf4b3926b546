/**
 * The DPO loss (Rafailov et al. 2023) as the cookbook computes it (`compute_dpo_loss`), with its
 * gradient written out so that it runs through `forwardBackwardCustom` without an autograd library:
 *
 *   Δ_c = Σ_t w_t·(logp_c − ref_c),  Δ_r likewise,  z = β·(Δ_c − Δ_r),  L = mean(−log σ(z))
 *   ∂L/∂logp_c[t] = −β·σ(−z)·w_t / N,  ∂L/∂logp_r[t] = +β·σ(−z)·w_t / N
 */
import type { CustomLossFn } from "../clients/training-client.js";
import type { Datum } from "../types/datum.js";

/** log σ(z), stable for large |z|. */
export function logSigmoid(z: number): number {
  return z >= 0 ? -Math.log1p(Math.exp(-z)) : z - Math.log1p(Math.exp(z));
}

/** σ(z). */
export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** The cookbook's DPO metrics. */
export interface DpoMetrics {
  dpo_loss: number;
  /** Fraction of pairs whose chosen log-ratio beats the rejected one. */
  accuracy: number;
  /** Mean β·(Δ_c − Δ_r). */
  margin: number;
  chosen_reward: number;
  rejected_reward: number;
  [key: string]: number;
}

/** Loss and metrics from per-pair weighted sequence logprobs (policy and reference). */
export function computeDpoLoss(
  chosen: readonly number[],
  rejected: readonly number[],
  chosenRef: readonly number[],
  rejectedRef: readonly number[],
  beta: number,
): { loss: number; metrics: DpoMetrics; dChosen: number[]; dRejected: number[] } {
  const n = chosen.length;
  if (rejected.length !== n || chosenRef.length !== n || rejectedRef.length !== n) {
    throw new RangeError("chosen, rejected and their references must have one value per pair");
  }
  if (n === 0) throw new RangeError("DPO needs at least one pair");
  let loss = 0;
  let correct = 0;
  let margin = 0;
  let chosenReward = 0;
  let rejectedReward = 0;
  const dChosen: number[] = [];
  const dRejected: number[] = [];
  for (let i = 0; i < n; i++) {
    const c = (chosen[i] as number) - (chosenRef[i] as number);
    const r = (rejected[i] as number) - (rejectedRef[i] as number);
    const z = beta * (c - r);
    loss -= logSigmoid(z);
    if (c > r) correct++;
    margin += z;
    chosenReward += beta * c;
    rejectedReward += beta * r;
    const g = (beta * sigmoid(-z)) / n;
    dChosen.push(-g);
    dRejected.push(g);
  }
  return {
    loss: loss / n,
    metrics: {
      dpo_loss: loss / n,
      accuracy: correct / n,
      margin: margin / n,
      chosen_reward: chosenReward / n,
      rejected_reward: rejectedReward / n,
    },
    dChosen,
    dRejected,
  };
}

function weightsOf(d: Datum): number[] {
  const w = d.loss_fn_inputs.weights;
  if (!w) throw new RangeError("DPO datums need loss_fn_inputs.weights");
  return w.toArray();
}

const dot = (a: readonly number[], b: readonly number[]) => a.reduce((s, x, i) => s + x * (b[i] ?? 0), 0);

/**
 * The custom loss for `forwardBackwardCustom` over interleaved pairs (even: chosen, odd: rejected),
 * given each datum's reference logprobs aligned with its targets.
 */
export function dpoLossFn(referenceLogprobs: readonly (readonly number[])[], beta: number): CustomLossFn {
  return (data, logprobs) => {
    if (data.length % 2 !== 0) throw new RangeError("DPO data must hold (chosen, rejected) pairs");
    if (referenceLogprobs.length !== data.length) {
      throw new RangeError(`${data.length} datums but ${referenceLogprobs.length} reference logprob arrays`);
    }
    const seq: number[] = [];
    const ref: number[] = [];
    data.forEach((d, i) => {
      const w = weightsOf(d);
      seq.push(dot(logprobs[i] as number[], w));
      ref.push(dot(referenceLogprobs[i] as number[], w));
    });
    const even = <T>(xs: T[]) => xs.filter((_, i) => i % 2 === 0);
    const odd = <T>(xs: T[]) => xs.filter((_, i) => i % 2 === 1);
    const r = computeDpoLoss(even(seq), odd(seq), even(ref), odd(ref), beta);
    const grads = data.map((d, i) => {
      const pair = Math.floor(i / 2);
      const g = (i % 2 === 0 ? r.dChosen : r.dRejected)[pair] as number;
      return weightsOf(d).map((w) => g * w);
    });
    return { loss: r.loss, grads, metrics: r.metrics };
  };
}
