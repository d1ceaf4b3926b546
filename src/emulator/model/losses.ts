/**
 * Per-token losses of Tinker 0.4.1: each returns the token's loss and dLoss/dlogp(target).
 */
import type { EngineLossFn } from "../engine.js";

/** The per-token inputs a loss reads, already extracted from the datum. */
export interface TokenLossInputs {
  readonly weight: number;
  readonly samplingLogprob: number;
  readonly advantage: number;
}

/** PPO clip thresholds when `loss_fn_config` does not set them. */
export const DEFAULT_CLIP_LOW = 0.8;
export const DEFAULT_CLIP_HIGH = 1.2;

/** Loss of one token and its derivative with respect to the target's log-probability. */
export function tokenLoss(
  fn: EngineLossFn,
  logp: number,
  inp: TokenLossInputs,
  config: Readonly<Record<string, number>> | null,
): { loss: number; dlogp: number } {
  if (fn === "cross_entropy") return { loss: -inp.weight * logp, dlogp: -inp.weight };
  const ratio = Math.exp(logp - inp.samplingLogprob);
  const adv = inp.advantage;
  if (fn === "importance_sampling") return { loss: -ratio * adv, dlogp: -ratio * adv };
  const lo = config?.clip_low_threshold ?? DEFAULT_CLIP_LOW;
  const hi = config?.clip_high_threshold ?? DEFAULT_CLIP_HIGH;
  const clipped = Math.min(Math.max(ratio, lo), hi);
  const unclippedObj = ratio * adv;
  const clippedObj = clipped * adv;
  // The objective is the pessimistic (smaller) of the two; gradient flows only through the unclipped term.
  if (unclippedObj <= clippedObj) return { loss: -unclippedObj, dlogp: -unclippedObj };
  return { loss: -clippedObj, dlogp: 0 };
}
