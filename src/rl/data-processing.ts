/**
 * From trajectories to training data, as tinker-cookbook's `rl/data_processing.py`: advantages
 * centred within each group, and one datum per run of turns whose prompts extend each other.
 */
import type { Datum } from "../types/datum.js";
import { type EncodedTextChunk, ModelInput } from "../types/model-input.js";
import { TensorData } from "../types/tensor-data.js";
import { type Trajectory, type TrajectoryGroup, totalRewards } from "./types.js";

/** Metric on a transition that marks its action as a masked parse-error turn (no loss, no advantage). */
export const PARSE_ERROR_MASKED_METRIC_KEY = "parse_error_masked";

/**
 * Advantages per group: each trajectory's total reward minus its group's mean. A group whose rewards
 * are all equal gets zeros (no signal), exactly as the cookbook computes it; it is not dropped here.
 */
export function computeAdvantages(groups: readonly TrajectoryGroup[]): number[][] {
  return groups.map((g) => {
    const rewards = totalRewards(g);
    if (rewards.length === 0) return [];
    const mean = rewards.reduce((a, b) => a + b, 0) / rewards.length;
    return rewards.map((r) => r - mean);
  });
}

/** Whether every value equals the first (the cookbook's `all_same`). */
function allSame(xs: readonly number[]): boolean {
  return xs.every((x) => x === xs[0]);
}

/**
 * Drops groups whose trajectories all got the same total reward (they carry no gradient). When every
 * group is constant, the first one is kept so that downstream code never sees an empty batch.
 */
export function removeConstantRewardGroups<G extends TrajectoryGroup>(groups: readonly G[]): G[] {
  const kept = groups.filter((g) => !allSame(totalRewards(g)));
  return kept.length > 0 ? kept : groups.slice(0, 1);
}

function textTokens(ob: ModelInput): number[] {
  const out: number[] = [];
  for (const c of ob.chunks) {
    if (c.type !== "encoded_text") {
      throw new TypeError(`RL trajectories with ${c.type} chunks are not supported; text observations only`);
    }
    out.push(...(c as EncodedTextChunk).tokens);
  }
  return out;
}

function isPrefix(prefix: readonly number[], seq: readonly number[]): boolean {
  if (prefix.length > seq.length) return false;
  for (let i = 0; i < prefix.length; i++) if (prefix[i] !== seq[i]) return false;
  return true;
}

/**
 * The datums of one trajectory. Turns whose observation extends everything so far (previous
 * observations and actions) share one datum; a turn that rewrites the history starts a new one. In
 * each datum, `target_tokens` are the sequence shifted left; `logprobs`, `advantages` and `mask` are
 * aligned with the targets: the sampler's logprob, the trajectory's advantage and 1 on action tokens,
 * 0 on observation (prompt and environment) tokens.
 */
export function trajectoryToData(traj: Trajectory, advantage: number): Datum[] {
  const data: Datum[] = [];
  let seq: number[] = [];
  let logprobs: number[] = [];
  let advantages: number[] = [];
  let mask: number[] = [];
  const flush = () => {
    if (seq.length < 2)
      throw new RangeError("a datum needs at least two tokens (an observation and an action)");
    const n = seq.length - 1;
    data.push({
      model_input: ModelInput.fromInts(seq.slice(0, n)),
      loss_fn_inputs: {
        target_tokens: TensorData.fromArray(seq.slice(1), "int64", [n]),
        logprobs: TensorData.fromArray(logprobs.slice(1), "float32", [n]),
        advantages: TensorData.fromArray(advantages.slice(1), "float32", [n]),
        mask: TensorData.fromArray(mask.slice(1), "float32", [n]),
      },
    });
    seq = [];
    logprobs = [];
    advantages = [];
    mask = [];
  };
  for (const tr of traj.transitions) {
    const ob = textTokens(tr.ob);
    let delta: number[];
    if (seq.length === 0) delta = ob;
    else if (isPrefix(seq, ob)) delta = ob.slice(seq.length);
    else {
      flush();
      delta = ob;
    }
    const masked = (tr.metrics[PARSE_ERROR_MASKED_METRIC_KEY] ?? 0) >= 1;
    const acTokens = tr.ac.tokens;
    if (tr.ac.logprobs.length !== acTokens.length) {
      throw new RangeError(`action has ${acTokens.length} tokens but ${tr.ac.logprobs.length} logprobs`);
    }
    seq.push(...delta, ...acTokens);
    for (let i = 0; i < delta.length; i++) {
      logprobs.push(0);
      advantages.push(0);
      mask.push(0);
    }
    for (let i = 0; i < acTokens.length; i++) {
      logprobs.push(tr.ac.logprobs[i] as number);
      advantages.push(masked ? 0 : advantage);
      mask.push(masked ? 0 : 1);
    }
  }
  if (seq.length > 0) flush();
  return data;
}

/** Where a datum came from. */
export interface DatumOrigin {
  readonly groupIndex: number;
  readonly trajIndex: number;
}

/** All datums of a batch of groups, with the group and trajectory each came from. */
export function assembleTrainingData(
  groups: readonly TrajectoryGroup[],
  advantages: readonly (readonly number[])[],
): { data: Datum[]; origins: DatumOrigin[] } {
  if (groups.length !== advantages.length) {
    throw new RangeError(`${groups.length} groups but ${advantages.length} advantage lists`);
  }
  const data: Datum[] = [];
  const origins: DatumOrigin[] = [];
  groups.forEach((g, groupIndex) => {
    const adv = advantages[groupIndex] as readonly number[];
    if (adv.length !== g.trajectories.length) {
      throw new RangeError(
        `group ${groupIndex}: ${g.trajectories.length} trajectories, ${adv.length} advantages`,
      );
    }
    g.trajectories.forEach((t, trajIndex) => {
      for (const d of trajectoryToData(t, adv[trajIndex] as number)) {
        data.push(d);
        origins.push({ groupIndex, trajIndex });
      }
    });
  });
  return { data, origins };
}

/** The datum without its `mask` (the losses do not take one; the cookbook strips it before sending). */
export function withoutMask(d: Datum): Datum {
  const { mask: _mask, ...rest } = d.loss_fn_inputs;
  return { model_input: d.model_input, loss_fn_inputs: rest };
}
