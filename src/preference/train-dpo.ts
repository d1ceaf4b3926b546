/**
 * DPO training (cookbook `preference/train_dpo.py`): per batch, the reference model's logprobs of
 * every sequence (`computeLogprobs` on a reference sampler), then `forwardBackwardCustom` with the
 * DPO loss and an optim_step. Resumes from `checkpoints.jsonl` (epoch and batch), logs
 * `metrics.jsonl` and a progress line, as the RL loop does.
 */
import type { SamplingClient } from "../clients/sampling-client.js";
import type { SamplingSource, ServiceClient } from "../clients/service-client.js";
import type { TrainingClient } from "../clients/training-client.js";
import { fullSequence } from "../rl/metrics.js";
import {
  type CheckpointRecord,
  emitProgress,
  lastCheckpoint,
  MetricsLog,
  type ProgressSink,
  progressLine,
  saveCheckpoint,
} from "../rl/run-log.js";
import type { Datum } from "../types/datum.js";
import type { ComparisonDataset } from "./dataset.js";
import { dpoLossFn } from "./dpo-loss.js";

/** Configuration of a DPO run (the cookbook's `train_dpo.Config`, in camelCase). */
export interface DpoConfig {
  readonly service: ServiceClient;
  readonly baseModel: string;
  readonly loraRank?: number;
  readonly loraSeed?: number;
  readonly dataset: ComparisonDataset;
  /** Peak learning rate (default 1e-5, as the cookbook). */
  readonly learningRate?: number;
  /** `linear` decays to 0 over the run (the cookbook's default); `constant` keeps it. */
  readonly lrSchedule?: "linear" | "constant";
  readonly numEpochs?: number;
  /** Strength of the implicit KL to the reference (default 0.1). */
  readonly beta?: number;
  /**
   * The reference model. Default: the base model, which is what a fresh LoRA run starts from (its B
   * matrices are zero), and which stays the reference after a resume.
   */
  readonly reference?: SamplingSource;
  readonly logPath: string;
  /** Checkpoint every this many steps; 0 disables. Default 20. */
  readonly saveEvery?: number;
  readonly maxSteps?: number;
  readonly signal?: AbortSignal;
  /** Called with each step's metrics after they are logged. */
  readonly onStep?: (step: number, metrics: Readonly<Record<string, number>>) => void;
  readonly progress?: ProgressSink;
}

/** What a DPO run did. */
export interface DpoRunResult {
  readonly training: TrainingClient;
  readonly startStep: number;
  readonly endStep: number;
  readonly final: CheckpointRecord;
}

/** The reference logprobs of each datum's targets (the first prompt logprob, always null, dropped). */
export async function referenceLogprobs(
  data: readonly Datum[],
  reference: SamplingClient,
  signal?: AbortSignal,
): Promise<number[][]> {
  const all = await Promise.all(data.map((d) => reference.computeLogprobs(fullSequence(d), { signal })));
  return all.map((lp) => lp.slice(1).map((x) => x ?? 0));
}

/** Trains with DPO; see {@link DpoConfig}. */
export async function trainDpo(config: DpoConfig): Promise<DpoRunResult> {
  const { service, dataset, signal, logPath } = config;
  const beta = config.beta ?? 0.1;
  const peakLr = config.learningRate ?? 1e-5;
  const numEpochs = config.numEpochs ?? 1;
  const resume = lastCheckpoint(logPath);
  const training = resume?.state_path
    ? await service.createTrainingClientFromStateWithOptimizer(resume.state_path)
    : await service.createLoraTrainingClient(config.baseModel, {
        rank: config.loraRank ?? 32,
        seed: config.loraSeed ?? null,
      });
  const reference = await service.createSamplingClient(config.reference ?? { baseModel: config.baseModel });
  const nBatches = dataset.length;
  let totalSteps = nBatches * numEpochs;
  if (config.maxSteps !== undefined) totalSteps = Math.min(totalSteps, config.maxSteps);
  const startStep = resume ? (resume.epoch ?? 0) * nBatches + (resume.batch ?? 0) : 0;
  const log = new MetricsLog(logPath, { resumeAt: startStep });
  const saveEvery = config.saveEvery ?? 20;
  for (let step = startStep; step < totalSteps; step++) {
    signal?.throwIfAborted();
    const t0 = performance.now();
    const epoch = Math.floor(step / nBatches);
    const batch = step % nBatches;
    // Shuffling depends only on the epoch, so a resumed run sees the same batches.
    if (step === startStep || batch === 0) dataset.setEpoch(epoch);
    if (step > startStep && saveEvery > 0 && step % saveEvery === 0) {
      await saveCheckpoint(training, {
        name: String(step).padStart(6, "0"),
        logPath,
        loopState: { epoch, batch },
        signal,
      });
    }
    const lr = config.lrSchedule === "constant" ? peakLr : peakLr * (1 - step / totalSteps);
    const data = dataset.getBatch(batch);
    const ref = await referenceLogprobs(data, reference, signal);
    // Submitted back to back (the optim_step queues behind the custom loss's backward); both awaited.
    const [fb] = await Promise.all([
      training.forwardBackwardCustom(data, dpoLossFn(ref, beta), { signal }),
      training.optimStep({ learning_rate: lr, beta1: 0.9, beta2: 0.95, eps: 1e-8 }, { signal }),
    ]);
    const metrics: Record<string, number> = {
      epoch,
      num_pairs: data.length / 2,
      num_tokens: data.reduce((a, d) => a + d.model_input.length, 0),
      learning_rate: lr,
      progress: step / totalSteps,
      ...fb.metrics,
      "time/total": (performance.now() - t0) / 1000,
    };
    log.log(step, metrics);
    config.onStep?.(step, metrics);
    emitProgress(
      config.progress,
      progressLine(step, totalSteps, metrics, [
        ["loss", "dpo_loss"],
        ["margin", "margin"],
        ["acc", "accuracy"],
        ["s", "time/total"],
      ]),
    );
  }
  const last = lastCheckpoint(logPath);
  const final =
    startStep >= totalSteps && last?.final
      ? last
      : await saveCheckpoint(training, {
          name: "final",
          logPath,
          loopState: {
            epoch: Math.floor(totalSteps / Math.max(1, nBatches)),
            batch: totalSteps % Math.max(1, nBatches),
            final: true,
          },
          kind: "both",
          signal,
        });
  return { training, startStep, endStep: totalSteps, final };
}
