/**
 * RL training loops (cookbook `rl/train.py`): synchronous on-policy (sample a batch with the latest
 * weights, train on it, repeat) and, with `async`, the off-policy variant in `train-async.ts`.
 * Both resume from the last `checkpoints.jsonl` record and log `metrics.jsonl` and a progress line.
 */
import { setMaxListeners } from "node:events";
import type { SamplingClient } from "../clients/sampling-client.js";
import type { SamplingSource, ServiceClient } from "../clients/service-client.js";
import type { TrainingClient } from "../clients/training-client.js";
import type { LossFnConfig } from "../types/requests.js";
import { removeConstantRewardGroups } from "./data-processing.js";
import { Limiter } from "./limiter.js";
import { computePostKl } from "./metrics.js";
import { mixSeed, runGroupRollout, samplingPolicy } from "./rollouts.js";
import {
  type CheckpointRecord,
  emitProgress,
  lastCheckpoint,
  MetricsLog,
  type ProgressSink,
  progressLine,
  saveCheckpoint,
} from "./run-log.js";
import { prepareMinibatch, type RLLossFn, trainStep } from "./train-step.js";
import type { EnvGroupBuilder, Metrics, RLDataset, TrajectoryGroup } from "./types.js";

/** Off-policy settings (cookbook `AsyncConfig`). */
export interface AsyncOptions {
  /** Samples from a sampler more than this many steps behind the trainer are not trained on. */
  readonly maxStepsOffPolicy: number;
  /** Groups per training batch (and rollout workers). */
  readonly groupsPerBatch: number;
}

/** Configuration of an RL run (the cookbook's `rl.train.Config`, in camelCase). */
export interface RLConfig {
  readonly service: ServiceClient;
  /** Base model of a fresh run (a resumed run takes the checkpoint's). */
  readonly baseModel: string;
  readonly loraRank?: number;
  /** Seed of the LoRA initialisation of a fresh run. */
  readonly loraSeed?: number;
  readonly dataset: RLDataset;
  readonly learningRate: number;
  /** Most tokens per sampled turn. */
  readonly maxTokens: number;
  readonly temperature?: number;
  /** Default `importance_sampling`. */
  readonly lossFn?: RLLossFn;
  readonly lossFnConfig?: LossFnConfig | null;
  readonly numSubsteps?: number;
  /** Directory of `checkpoints.jsonl` and `metrics.jsonl`; a run with records there resumes. */
  readonly logPath: string;
  /** Checkpoint (state + sampler) every this many steps; 0 disables. Default 20, as the cookbook. */
  readonly saveEvery?: number;
  /** Stop after this many steps (default: the whole dataset). */
  readonly maxSteps?: number;
  /** Seeds every sampling call (step, group, env, turn), so runs are reproducible; random when absent. */
  readonly seed?: number;
  /** Turn cap per episode (stop reason `max_turns`). */
  readonly maxTurns?: number;
  /** Sample requests in flight at once. Default 64. */
  readonly concurrency?: number;
  readonly removeConstantRewardGroups?: boolean;
  readonly klPenaltyCoef?: number;
  readonly klDiscountFactor?: number;
  /** The KL reference's weights (needed when `klPenaltyCoef > 0`). */
  readonly klReference?: SamplingSource;
  /** Also measure KL between the samplers before and after each update. */
  readonly computePostKl?: boolean;
  /** Off-policy training with a staleness bound. */
  readonly async?: AsyncOptions;
  readonly signal?: AbortSignal;
  /** Called with each step's metrics after they are logged. */
  readonly onStep?: (step: number, metrics: Readonly<Metrics>) => void;
  /** Progress lines (default: stderr; `false`: none). */
  readonly progress?: ProgressSink;
}

/** What a run did. */
export interface RLRunResult {
  readonly training: TrainingClient;
  /** First step this invocation ran (non-zero after a resume). */
  readonly startStep: number;
  /** Steps done in total. */
  readonly endStep: number;
  /** The final checkpoint's record. */
  readonly final: CheckpointRecord;
}

/** The run's shared state while steps are taken (used by both loops). @internal */
export interface RunContext {
  readonly config: RLConfig;
  readonly training: TrainingClient;
  readonly startStep: number;
  readonly endStep: number;
  readonly log: MetricsLog;
  readonly limiter: Limiter;
  readonly klReference?: SamplingClient;
}

/** Opens or resumes the run: the training client, the step to start at, the logs. @internal */
export async function openRun(config: RLConfig): Promise<RunContext> {
  const resume = lastCheckpoint(config.logPath);
  const training = resume?.state_path
    ? await config.service.createTrainingClientFromStateWithOptimizer(resume.state_path)
    : await config.service.createLoraTrainingClient(config.baseModel, {
        rank: config.loraRank ?? 32,
        seed: config.loraSeed ?? null,
      });
  const startStep = resume?.batch ?? 0;
  const total = config.dataset.length;
  const endStep = config.maxSteps === undefined ? total : Math.min(config.maxSteps, total);
  const wantKl = (config.klPenaltyCoef ?? 0) > 0;
  if (wantKl && !config.klReference) throw new TypeError("klReference is required when klPenaltyCoef > 0");
  return {
    config,
    training,
    startStep,
    endStep,
    log: new MetricsLog(config.logPath, { resumeAt: startStep }),
    limiter: new Limiter(config.concurrency ?? 64),
    klReference:
      wantKl && config.klReference
        ? await config.service.createSamplingClient(config.klReference)
        : undefined,
  };
}

const PROGRESS_FIGURES = [
  ["reward", "env/all/reward/total"],
  ["kl", "optim/kl_sample_train_v1"],
  ["entropy", "optim/entropy"],
  ["s", "time/total"],
] as const;

/**
 * Ends step `step`: trains on the groups, checkpoints when due (`step + 1` steps done), returns the
 * sampler for the next step, and logs. @internal
 */
export async function finishStep(
  ctx: RunContext,
  step: number,
  builders: readonly EnvGroupBuilder[],
  groups: readonly TrajectoryGroup[],
  metrics: Metrics,
  startedAt: number,
): Promise<SamplingClient> {
  const { config, training } = ctx;
  const signal = config.signal;
  const kept = config.removeConstantRewardGroups ? removeConstantRewardGroups(groups) : [...groups];
  const keptBuilders = kept.map((g) => builders[groups.indexOf(g)] as EnvGroupBuilder);
  const prepared = await prepareMinibatch(keptBuilders, kept, {
    klReference: ctx.klReference,
    klPenaltyCoef: config.klPenaltyCoef,
    klDiscountFactor: config.klDiscountFactor,
    signal,
  });
  Object.assign(metrics, prepared.metrics);
  const trained = await trainStep(training, prepared.data, {
    learningRate: config.learningRate,
    lossFn: config.lossFn ?? "importance_sampling",
    lossFnConfig: config.lossFnConfig,
    numSubsteps: config.numSubsteps,
    signal,
  });
  Object.assign(metrics, trained.metrics);
  const done = step + 1;
  const saveEvery = config.saveEvery ?? 20;
  let sampler: SamplingClient;
  if (saveEvery > 0 && done % saveEvery === 0 && done < ctx.endStep) {
    const rec = await saveCheckpoint(training, {
      name: String(done).padStart(6, "0"),
      logPath: config.logPath,
      loopState: { batch: done },
      kind: "both",
      signal,
    });
    sampler = await training.createSamplingClient(rec.sampler_path as string);
  } else {
    sampler = await training.saveWeightsAndGetSamplingClient(undefined, { signal });
  }
  if (config.computePostKl && prepared.data.length > 0) {
    Object.assign(metrics, await computePostKl(prepared.data, sampler, signal));
  }
  metrics["time/total"] = (performance.now() - startedAt) / 1000;
  ctx.log.log(step, metrics);
  config.onStep?.(step, metrics);
  emitProgress(config.progress, progressLine(step, ctx.endStep, metrics, PROGRESS_FIGURES));
  return sampler;
}

/**
 * Saves the final checkpoint (state + sampler, `final: true`); a run that was already complete only
 * returns its existing final record. @internal
 */
export async function saveFinal(ctx: RunContext): Promise<CheckpointRecord> {
  const last = lastCheckpoint(ctx.config.logPath);
  if (ctx.startStep >= ctx.endStep && last?.final) return last;
  return saveCheckpoint(ctx.training, {
    name: "final",
    logPath: ctx.config.logPath,
    loopState: { batch: ctx.endStep, final: true },
    kind: "both",
    signal: ctx.config.signal,
  });
}

/**
 * Runs every task with a shared abort: the first failure aborts the others, and all have settled
 * before the error is rethrown, so no rollout outlives its step. @internal
 */
export async function allOrAbort<T>(
  tasks: ReadonlyArray<(signal: AbortSignal) => Promise<T>>,
  outer?: AbortSignal,
): Promise<T[]> {
  const inner = new AbortController();
  const signal = outer ? AbortSignal.any([outer, inner.signal]) : inner.signal;
  setMaxListeners(0, signal);
  const settled = await Promise.allSettled(
    tasks.map((t) =>
      t(signal).catch((err: unknown) => {
        if (!inner.signal.aborted) inner.abort(err);
        throw err;
      }),
    ),
  );
  if (inner.signal.aborted) throw inner.signal.reason;
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === "rejected");
  if (rejected) throw rejected.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value);
}

/**
 * Trains with RL. Synchronous on-policy by default: each step samples its batch of groups with the
 * weights of the previous step, trains on it, and takes a new sampler. With `config.async`, sampling
 * overlaps training (see `trainRLAsync`). A run whose `logPath` holds a checkpoint record resumes at
 * the step after it, with weights and optimizer state restored; steps logged after that checkpoint
 * are dropped from `metrics.jsonl` and done again, so each step is logged once.
 */
export async function trainRL(config: RLConfig): Promise<RLRunResult> {
  if (config.async) {
    const { trainRLAsync } = await import("./train-async.js");
    return trainRLAsync(config);
  }
  const ctx = await openRun(config);
  const signal = config.signal;
  let sampler = await ctx.training.saveWeightsAndGetSamplingClient(undefined, { signal });
  for (let step = ctx.startStep; step < ctx.endStep; step++) {
    signal?.throwIfAborted();
    const startedAt = performance.now();
    const builders = config.dataset.getBatch(step);
    const policy = samplingPolicy(sampler, {
      maxTokens: config.maxTokens,
      temperature: config.temperature,
      limiter: ctx.limiter,
    });
    const groups = await allOrAbort(
      builders.map(
        (b, g) => (s: AbortSignal) =>
          runGroupRollout(b, policy, {
            signal: s,
            maxTurns: config.maxTurns,
            seed: config.seed === undefined ? undefined : mixSeed(config.seed, step, g),
          }),
      ),
      signal,
    );
    const metrics: Metrics = {
      "progress/batch": step,
      "optim/lr": config.learningRate,
      "progress/done_frac": (step + 1) / ctx.endStep,
      "time/sampling": (performance.now() - startedAt) / 1000,
    };
    sampler = await finishStep(ctx, step, builders, groups, metrics, startedAt);
  }
  const final = await saveFinal(ctx);
  return { training: ctx.training, startStep: ctx.startStep, endStep: ctx.endStep, final };
}
