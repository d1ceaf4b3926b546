/**
 * What the cookbook's RL loop reports (`rl/metrics.py`, `rl/metric_util.py`): KL between the sampler
 * and the trainer, entropy, a KL penalty against a reference model, and per-batch trajectory figures.
 */
import type { SamplingClient } from "../clients/sampling-client.js";
import type { Datum } from "../types/datum.js";
import { TensorData } from "../types/tensor-data.js";
import { type Metrics, type TrajectoryGroup, totalRewards } from "./types.js";

function input(d: Datum, key: string): number[] {
  const t: TensorData | undefined = d.loss_fn_inputs[key];
  if (!t) throw new RangeError(`datum has no loss_fn_inputs.${key}`);
  return t.toArray();
}

function mean(xs: readonly number[]): number {
  return xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length;
}

/**
 * KL estimates between the sampling and the training logprobs over action tokens (mask > 0), and the
 * sampler's entropy estimate: `optim/kl_sample_train_v1` = mean(sampled − trained),
 * `optim/kl_sample_train_v2` = ½·mean((sampled − trained)²), `optim/entropy` = −mean(sampled).
 */
export function computeKlSampleTrain(
  data: readonly Datum[],
  trainingLogprobs: readonly (ArrayLike<number> | readonly number[])[],
): Metrics {
  if (data.length !== trainingLogprobs.length) {
    throw new RangeError(`${data.length} datums but ${trainingLogprobs.length} logprob arrays`);
  }
  const diffs: number[] = [];
  const sampled: number[] = [];
  data.forEach((d, i) => {
    const s = input(d, "logprobs");
    const m = input(d, "mask");
    const t = trainingLogprobs[i] as ArrayLike<number>;
    for (let k = 0; k < s.length; k++) {
      if ((m[k] as number) > 0) {
        diffs.push((s[k] as number) - (t[k] as number));
        sampled.push(s[k] as number);
      }
    }
  });
  if (diffs.length === 0) throw new RangeError("no action tokens to compute KL over");
  return {
    "optim/kl_sample_train_v1": mean(diffs),
    "optim/kl_sample_train_v2": 0.5 * mean(diffs.map((x) => x * x)),
    "optim/entropy": -mean(sampled),
  };
}

/** The whole sequence of a datum: its input plus the last target (for `computeLogprobs`). */
export function fullSequence(d: Datum) {
  const targets = input(d, "target_tokens");
  return targets.length > 0 ? d.model_input.appendInt(targets[targets.length - 1] as number) : d.model_input;
}

/** Logprobs of each datum's targets under `sampler` (the first prompt logprob, always null, dropped). */
async function targetLogprobs(
  data: readonly Datum[],
  sampler: SamplingClient,
  signal?: AbortSignal,
): Promise<number[][]> {
  const all = await Promise.all(data.map((d) => sampler.computeLogprobs(fullSequence(d), { signal })));
  return all.map((lp) => lp.slice(1).map((x) => x ?? 0));
}

/** KL between the pre-update sampler and a post-update one on the same data (`kl_pre_post_v1/v2`). */
export async function computePostKl(
  data: readonly Datum[],
  postSampler: SamplingClient,
  signal?: AbortSignal,
): Promise<Metrics> {
  const post = await targetLogprobs(data, postSampler, signal);
  const diffs: number[] = [];
  data.forEach((d, i) => {
    const prev = input(d, "logprobs");
    const m = input(d, "mask");
    const p = post[i] as number[];
    for (let k = 0; k < prev.length; k++)
      if ((m[k] as number) > 0) diffs.push((prev[k] as number) - (p[k] as number));
  });
  return { kl_pre_post_v1: mean(diffs), kl_pre_post_v2: 0.5 * mean(diffs.map((x) => x * x)) };
}

/** For each position, the discounted sum of the current and future values: Σₖ γᵏ·x[i+k]. */
export function discountedFutureSum(x: readonly number[], gamma: number): number[] {
  const out = new Array<number>(x.length);
  let running = 0;
  for (let t = x.length - 1; t >= 0; t--) {
    running = (x[t] as number) + gamma * running;
    out[t] = running;
  }
  return out;
}

/**
 * Adds a KL penalty against a reference model to each datum's advantages, as the cookbook:
 * `coef · mask · (mean_diff − diff)` with `diff = sampled − reference` per token (optionally turned
 * into discounted future sums). Returns the datums (new objects) and `kl_policy_base` = mean diff.
 */
export async function incorporateKlPenalty(
  data: readonly Datum[],
  reference: SamplingClient,
  coef: number,
  discountFactor = 0,
  signal?: AbortSignal,
): Promise<{ data: Datum[]; metrics: Metrics }> {
  const ref = await targetLogprobs(data, reference, signal);
  const diffs = data.map((d, i) => {
    const s = input(d, "logprobs");
    const m = input(d, "mask");
    const r = ref[i] as number[];
    return s.map((x, k) => (x - (r[k] as number)) * (m[k] as number));
  });
  const maskSum = data.reduce((a, d) => a + input(d, "mask").reduce((x, y) => x + y, 0), 0);
  const avg = diffs.reduce((a, dd) => a + dd.reduce((x, y) => x + y, 0), 0) / maskSum;
  const out = data.map((d, i) => {
    const m = input(d, "mask");
    const dd = diffs[i] as number[];
    let kl = m.map((mk, k) => coef * mk * (avg - (dd[k] as number)));
    if (discountFactor > 0) kl = discountedFutureSum(kl, discountFactor);
    const adv = input(d, "advantages").map((a, k) => a + (kl[k] as number));
    return {
      model_input: d.model_input,
      loss_fn_inputs: { ...d.loss_fn_inputs, advantages: TensorData.fromArray(adv, "float32", [adv.length]) },
    };
  });
  return { data: out, metrics: { kl_policy_base: avg } };
}

/** Mean of each key over the dicts that have it (the cookbook's `dict_mean`). */
export function dictMean(dicts: readonly Metrics[]): Metrics {
  const sums = new Map<string, { s: number; n: number }>();
  for (const d of dicts) {
    for (const [k, v] of Object.entries(d)) {
      const e = sums.get(k) ?? { s: 0, n: 0 };
      e.s += v;
      e.n++;
      sums.set(k, e);
    }
  }
  const out: Metrics = {};
  for (const [k, { s, n }] of sums) out[k] = s / n;
  return out;
}

function trajectoryFigures(groups: readonly TrajectoryGroup[], goodThreshold = 0.5): Metrics {
  const trajs = groups.flatMap((g) => g.trajectories);
  const turns = trajs.flatMap((t) => t.transitions);
  const acTokens = turns.reduce((a, t) => a + t.ac.tokens.length, 0);
  const obTokens = turns.reduce((a, t) => a + t.ob.length, 0);
  const rewards = groups.flatMap((g) => totalRewards(g));
  let mixed = 0;
  let good = 0;
  let bad = 0;
  for (const g of groups) {
    const r = totalRewards(g);
    if (r.every((x) => x === r[0])) {
      if ((r[0] ?? 0) >= goodThreshold) good++;
      else bad++;
    } else mixed++;
  }
  const n = groups.length;
  return {
    ac_tokens_per_turn: turns.length > 0 ? acTokens / turns.length : 0,
    ob_tokens_per_turn: turns.length > 0 ? obTokens / turns.length : 0,
    turns_per_episode: trajs.length > 0 ? turns.length / trajs.length : 0,
    total_episodes: trajs.length,
    total_turns: turns.length,
    total_ac_tokens: acTokens,
    total_ob_tokens: obTokens,
    "reward/total": rewards.length > 0 ? mean(rewards) : 0,
    ...dictMean([...turns.map((t) => t.metrics), ...groups.flatMap((g) => g.metrics)]),
    "by_group/frac_mixed": n > 0 ? mixed / n : 0,
    "by_group/frac_all_good": n > 0 ? good / n : 0,
    "by_group/frac_all_bad": n > 0 ? bad / n : 0,
  };
}

/**
 * Rollout metrics of a batch under `env/all/…`, and under `env/<tag>/…` for every tag that selects a
 * strict subset of the groups (cookbook `compute_trajectory_metrics`).
 */
export function computeTrajectoryMetrics(
  groups: readonly TrajectoryGroup[],
  tags: readonly (readonly string[])[],
): Metrics {
  const byTag = new Map<string, TrajectoryGroup[]>();
  groups.forEach((g, i) => {
    for (const tag of tags[i] ?? []) byTag.set(tag, [...(byTag.get(tag) ?? []), g]);
  });
  const out: Metrics = {};
  const nontrivial = [...byTag.values()].some((gs) => gs.length < groups.length);
  if (nontrivial) {
    for (const [tag, gs] of byTag)
      for (const [k, v] of Object.entries(trajectoryFigures(gs))) out[`env/${tag}/${k}`] = v;
  }
  for (const [k, v] of Object.entries(trajectoryFigures(groups))) out[`env/all/${k}`] = v;
  return out;
}
