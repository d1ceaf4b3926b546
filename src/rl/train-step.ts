/**
 * One RL optimisation step, as the cookbook's `prepare_minibatch` + `train_step`: trajectory groups
 * become datums with centred advantages (and an optional KL penalty), then forward_backward and
 * optim_step calls are submitted back to back and every future is awaited.
 */
import type { SamplingClient } from "../clients/sampling-client.js";
import type { TrainingClient } from "../clients/training-client.js";
import type { LossFnType } from "../types/enums.js";
import type { Datum } from "../types/datum.js";
import type { AdamParams } from "../types/params.js";
import type { LossFnConfig } from "../types/requests.js";
import { assembleTrainingData, computeAdvantages, withoutMask } from "./data-processing.js";
import { computeKlSampleTrain, computeTrajectoryMetrics, incorporateKlPenalty } from "./metrics.js";
import type { EnvGroupBuilder, Metrics, TrajectoryGroup } from "./types.js";

/** The RL losses the loop trains with. */
export type RLLossFn = Extract<LossFnType, "importance_sampling" | "ppo">;

/** How trajectory groups become datums. */
export interface PrepareOptions {
  readonly klReference?: SamplingClient;
  readonly klPenaltyCoef?: number;
  readonly klDiscountFactor?: number;
  readonly signal?: AbortSignal;
}

/** Trajectory metrics, advantages and datums of a batch (cookbook `prepare_minibatch`). */
export async function prepareMinibatch(
  builders: readonly EnvGroupBuilder[],
  groups: readonly TrajectoryGroup[],
  options: PrepareOptions = {},
): Promise<{ data: Datum[]; metrics: Metrics }> {
  const metrics = computeTrajectoryMetrics(
    groups,
    builders.map((b) => b.loggingTags?.() ?? []),
  );
  let { data } = assembleTrainingData(groups, computeAdvantages(groups));
  const coef = options.klPenaltyCoef ?? 0;
  if (coef > 0 && options.klReference) {
    const kl = await incorporateKlPenalty(
      data,
      options.klReference,
      coef,
      options.klDiscountFactor ?? 0,
      options.signal,
    );
    data = kl.data;
    Object.assign(metrics, kl.metrics);
  }
  return { data, metrics };
}

/** Splits `xs` into `n` contiguous parts of nearly equal size (cookbook `split_list`). */
export function splitList<T>(xs: readonly T[], n: number): T[][] {
  const parts = Math.max(1, Math.min(n, xs.length));
  const out: T[][] = [];
  const base = Math.floor(xs.length / parts);
  const extra = xs.length % parts;
  let at = 0;
  for (let i = 0; i < parts; i++) {
    const size = base + (i < extra ? 1 : 0);
    out.push(xs.slice(at, at + size));
    at += size;
  }
  return out.filter((p) => p.length > 0);
}

/** Options of {@link trainStep}. */
export interface TrainStepOptions {
  readonly learningRate: number;
  readonly lossFn: RLLossFn;
  readonly lossFnConfig?: LossFnConfig | null;
  /** optim_steps per batch (the data split into this many parts). Default 1. */
  readonly numSubsteps?: number;
  readonly signal?: AbortSignal;
}

/**
 * forward_backward + optim_step per substep, all submitted at once (they are queued in call order,
 * so the server never idles between them), then all awaited. Returns the training logprobs of every
 * datum, in order, the last optim_step's metrics and the KL/entropy figures against the samples.
 */
export async function trainStep(
  training: TrainingClient,
  data: readonly Datum[],
  options: TrainStepOptions,
): Promise<{ trainingLogprobs: number[][]; metrics: Metrics }> {
  const adam: AdamParams = { learning_rate: options.learningRate, beta1: 0.9, beta2: 0.95, eps: 1e-8 };
  const call = { signal: options.signal };
  const futures = splitList(data, options.numSubsteps ?? 1).map((part) => {
    const fb = training.forwardBackward(part.map(withoutMask), options.lossFn, options.lossFnConfig, call);
    const opt = training.optimStep(adam, call);
    return Promise.all([fb, opt]);
  });
  const results = await Promise.all(futures);
  const trainingLogprobs = results.flatMap(([fb]) =>
    fb.loss_fn_outputs.map((o) => {
      if (!o.logprobs) throw new Error("forward_backward returned no logprobs");
      return o.logprobs.toArray();
    }),
  );
  const metrics: Metrics = { ...(results.at(-1)?.[1].metrics ?? {}) };
  if (data.length > 0) Object.assign(metrics, computeKlSampleTrain(data, trainingLogprobs));
  return { trainingLogprobs, metrics };
}
