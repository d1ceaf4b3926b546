/**
 * The supervised training loop (tinker-cookbook's `supervised/train.py`), on the public SDK API only,
 * so it runs against the emulator and the real service unchanged.
 *
 * Each step submits `forward_backward` and `optim_step` at once and the next step goes out before
 * the previous one is awaited (`submitAhead`). A checkpoint is requested right after its step's
 * `optim_step`, before the next step is submitted, so it holds exactly the steps it counts; its
 * record names the next batch, and a run started on the same log directory resumes there: no step
 * is lost or run twice (the cookbook's own resume re-runs the saved step).
 */
import { ServiceClient, type ServiceClientOptions, type TrainingClient } from "../clients/index.js";
import { APIUserAbortError } from "../errors/index.js";
import type { APIFuture } from "../futures/index.js";
import type { Renderer, TrainOnWhat } from "../renderers/types.js";
import type { Datum } from "../types/datum.js";
import type {
  ForwardBackwardOutput,
  OptimStepResponse,
  SavedSamplerWeights,
  SaveWeightsResponse,
} from "../types/responses.js";
import type { TensorData } from "../types/tensor-data.js";
import { computeMeanNll } from "./datum.js";
import { conversationFileDataset, type SupervisedDataset } from "./dataset.js";
import { SupervisedError } from "./errors.js";
import {
  appendCheckpoint,
  appendMetrics,
  type CheckpointRecord,
  lastCheckpoint,
  type MetricsRecord,
  repairLogTail,
  truncateMetrics,
} from "./log-files.js";
import { type LrSchedule, lrMultiplier } from "./lr.js";

/** A JSONL conversations file as the dataset (see `conversationFileDataset`); needs `renderer` and `batchSize`. */
export interface ConversationFileSource {
  readonly filePath: string;
  /** Conversations held out for the eval NLL (default 0). */
  readonly testSize?: number;
  readonly shuffleSeed?: number;
}

/** Configuration of {@link train}; defaults are the cookbook's unless said otherwise. */
export interface TrainConfig {
  /** The base model, e.g. `Qwen/Qwen3-8B`. */
  readonly modelName: string;
  /** Where `metrics.jsonl` and `checkpoints.jsonl` go; a run on a directory with checkpoints resumes. */
  readonly logDir: string;
  /** The training data: a dataset, or a conversations file rendered with `renderer` in batches of `batchSize`. */
  readonly dataset: SupervisedDataset | ConversationFileSource;
  /** Held-out data for the eval NLL (a file dataset brings its own split). */
  readonly testDataset?: SupervisedDataset | null;
  /** The chat format of the file dataset; its name is also recorded in the run's metadata (`renderer_name`). */
  readonly renderer?: Renderer;
  readonly batchSize?: number;
  readonly maxLength?: number | null;
  readonly trainOnWhat?: TrainOnWhat;
  /** An existing client (not closed by `train`), or options to create one (closed at the end). */
  readonly service?: ServiceClient | ServiceClientOptions;
  /** Peak learning rate (default 1e-4; see `getLr(modelName)` for the cookbook's recommendation). */
  readonly learningRate?: number;
  /** Default `linear` (decays to 0 at the last step). */
  readonly lrSchedule?: LrSchedule;
  readonly numEpochs?: number;
  /** A cap on the steps (default: every batch of every epoch). */
  readonly maxSteps?: number | null;
  readonly loraRank?: number;
  /** Seed of the new LoRA weights (the service picks one when unset). */
  readonly loraSeed?: number;
  /** Evaluate the held-out NLL before every N-th step (and once after the last); 0 turns it off. Default 10. */
  readonly evalEvery?: number;
  /** Save a checkpoint after every N steps (and at the end); 0 saves only at the end. Default 20. */
  readonly saveEvery?: number;
  readonly adamBeta1?: number;
  readonly adamBeta2?: number;
  readonly adamEps?: number;
  /** Steps submitted before the oldest one is awaited (default 1; 0: none). */
  readonly submitAhead?: number;
  /** Where the progress lines go (default stdout); `false` for none. */
  readonly log?: ((line: string) => void) | false;
  /** Called after each step's metrics are written (and its checkpoint recorded, if it had one). */
  readonly onStep?: (metrics: MetricsRecord) => void | Promise<void>;
  /** Stops the run: no step is submitted after it, waits end with `APIUserAbortError`. */
  readonly signal?: AbortSignal;
  readonly userMetadata?: Readonly<Record<string, string>>;
}

/** What {@link train} did. */
export interface TrainResult {
  /** Steps done, counting those of the runs it resumed. */
  readonly steps: number;
  /** The record it resumed from, or null for a fresh run. */
  readonly resumedFrom: CheckpointRecord | null;
  /** The final checkpoint (null when the log directory's run was already complete). */
  readonly finalCheckpoint: CheckpointRecord | null;
  /** Held-out NLL after the last step, when there is held-out data. */
  readonly testNll: number | null;
}

interface Submitted {
  readonly step: number;
  readonly epoch: number;
  readonly batch: number;
  readonly lr: number;
  readonly data: readonly Datum[];
  readonly fwdBwd: APIFuture<ForwardBackwardOutput>;
  readonly optim: APIFuture<OptimStepResponse>;
  readonly evalFwd: APIFuture<ForwardBackwardOutput> | null;
  readonly save: Saving | null;
}

interface Saving {
  readonly name: string;
  readonly state: APIFuture<SaveWeightsResponse>;
  readonly sampler: APIFuture<SavedSamplerWeights>;
}

/** A future no one may leave unobserved: a failure is then reported by the await that reaches it, never as an unhandled rejection. */
function observe<T>(f: APIFuture<T>): APIFuture<T> {
  f.then(undefined, () => {});
  return f;
}

function positiveInt(value: number, name: string, min = 1): number {
  if (!Number.isInteger(value) || value < min) {
    throw new SupervisedError(`${name} must be an integer ≥ ${min}, got ${value}`, "CONFIGURATION");
  }
  return value;
}

function pad(step: number): string {
  return String(step).padStart(6, "0");
}

function datasetsOf(config: TrainConfig): { train: SupervisedDataset; test: SupervisedDataset | null } {
  const d = config.dataset;
  if (!("filePath" in d)) return { train: d, test: config.testDataset ?? null };
  if (!config.renderer || config.batchSize === undefined) {
    throw new SupervisedError("a conversations file needs `renderer` and `batchSize`", "CONFIGURATION");
  }
  const { train, test } = conversationFileDataset({
    ...d,
    renderer: config.renderer,
    batchSize: config.batchSize,
    maxLength: config.maxLength,
    trainOnWhat: config.trainOnWhat,
  });
  return { train, test: config.testDataset ?? test };
}

function fmt(x: number | undefined): string {
  return x === undefined || Number.isNaN(x) ? "-" : x.toFixed(4);
}

/**
 * Trains LoRA weights on `config.dataset` with cross-entropy, writing a line per step to
 * `metrics.jsonl` and a record per checkpoint to `checkpoints.jsonl` in `config.logDir`; on a log
 * directory with checkpoints it resumes after the last one. Throws `APIUserAbortError` when
 * `config.signal` aborts (the log directory is then ready to resume).
 */
export async function train(config: TrainConfig): Promise<TrainResult> {
  const { train: dataset, test } = datasetsOf(config);
  const numEpochs = positiveInt(config.numEpochs ?? 1, "numEpochs");
  const submitAhead = positiveInt(config.submitAhead ?? 1, "submitAhead", 0);
  const evalEvery = positiveInt(config.evalEvery ?? 10, "evalEvery", 0);
  const saveEvery = positiveInt(config.saveEvery ?? 20, "saveEvery", 0);
  const nBatches = dataset.length;
  if (nBatches === 0) throw new SupervisedError("the dataset has no complete batch", "DATA_VALIDATION");
  const total = Math.min(nBatches * numEpochs, config.maxSteps ?? Number.POSITIVE_INFINITY);
  const peakLr = config.learningRate ?? 1e-4;
  const schedule = config.lrSchedule ?? "linear";
  const say = config.log === false ? () => {} : (config.log ?? ((line: string) => console.log(line)));
  const { logDir, signal } = config;
  const checkAbort = () => {
    if (signal?.aborted) throw new APIUserAbortError("Training was aborted.");
  };

  repairLogTail(logDir);
  const resume = lastCheckpoint(logDir);
  // A record written by the cookbook has no `step`: its epoch and batch locate the next batch.
  const start = resume ? (resume.step ?? resume.epoch * nBatches + resume.batch) : 0;
  // A final record ends a run only as long as the run is no longer (more epochs resume from it).
  if (resume && start >= total) {
    say(`training already complete (${resume.name}: ${start} steps)`);
    return { steps: start, resumedFrom: resume, finalCheckpoint: null, testNll: null };
  }
  // Lines of steps after the checkpoint belong to weights that were lost with the old run.
  truncateMetrics(logDir, start);

  const ownService = !(config.service instanceof ServiceClient);
  const service =
    config.service instanceof ServiceClient ? config.service : new ServiceClient(config.service ?? {});
  try {
    checkAbort();
    const userMetadata: Record<string, string> = { ...(config.userMetadata ?? {}) };
    if (config.renderer) userMetadata.renderer_name = config.renderer.name;
    let training: TrainingClient;
    if (resume) {
      training = await service.createTrainingClientFromStateWithOptimizer(resume.state_path, {
        userMetadata,
      });
      say(`resumed from ${resume.state_path} at step ${start}`);
    } else {
      training = await service.createLoraTrainingClient(config.modelName, {
        rank: config.loraRank ?? 32,
        seed: config.loraSeed,
        userMetadata,
      });
    }
    const evalData = test ? Array.from({ length: test.length }, (_, i) => test.getBatch(i)).flat() : [];
    const adam = {
      beta1: config.adamBeta1 ?? 0.9,
      beta2: config.adamBeta2 ?? 0.95,
      eps: config.adamEps ?? 1e-8,
    };
    const wait = <T>(f: APIFuture<T>) => f.result({ signal });
    const saveAs = (name: string): Saving => ({
      name,
      state: observe(training.saveState(name)),
      sampler: observe(training.saveWeightsForSampler(name)),
    });
    const record = async (s: Saving, step: number, final: boolean): Promise<CheckpointRecord> => {
      const [state, sampler] = await Promise.all([wait(s.state), wait(s.sampler)]);
      const rec: CheckpointRecord = {
        name: s.name,
        epoch: Math.floor(step / nBatches),
        batch: step % nBatches,
        step,
        state_path: state.path,
        ...(sampler.path ? { sampler_path: sampler.path } : {}),
        ...(final ? { final: true } : {}),
      };
      appendCheckpoint(logDir, rec);
      return rec;
    };

    const finish = async (s: Submitted): Promise<void> => {
      const [fb, opt] = await Promise.all([wait(s.fwdBwd), wait(s.optim)]);
      const ev = s.evalFwd ? await wait(s.evalFwd) : null;
      const weights = s.data.map((d) => weightsOf(d));
      const metrics: Record<string, number> = {
        epoch: s.epoch,
        progress: Math.min((s.step + 1) / total, 1),
        learning_rate: s.lr,
        ...(opt.metrics ?? {}),
        num_sequences: s.data.length,
        num_tokens: s.data.reduce((n, d) => n + d.model_input.length, 0),
        num_loss_tokens: weights.reduce((n, w) => n + w.data.reduce((a, b) => a + b, 0), 0),
        train_mean_nll: computeMeanNll(
          fb.loss_fn_outputs.map((o) => o.logprobs ?? []),
          weights,
        ),
      };
      if (ev) metrics["test/nll"] = nllOf(ev, evalData);
      const line: MetricsRecord = { step: s.step, ...metrics };
      appendMetrics(logDir, line);
      if (s.save) await record(s.save, s.step + 1, false);
      const testPart = ev ? ` test_nll ${fmt(metrics["test/nll"])}` : "";
      say(
        `step ${s.step + 1}/${total} epoch ${s.epoch} lr ${s.lr.toExponential(2)} train_nll ${fmt(metrics.train_mean_nll)}${testPart}${s.save ? ` saved ${s.save.name}` : ""}`,
      );
      await config.onStep?.(line);
    };

    const pending: Submitted[] = [];
    for (let step = start; step < total; step++) {
      checkAbort();
      const epoch = Math.floor(step / nBatches);
      const batch = step % nBatches;
      // The order of an epoch depends on its seed alone, so a resumed epoch gets the same batches.
      if (batch === 0 || step === start) dataset.setEpoch(epoch);
      const lr = peakLr * lrMultiplier(schedule, step, total);
      const data = dataset.getBatch(batch);
      // Submitted before the step, so it measures the weights of the steps before it (the cookbook's order).
      const evalFwd =
        evalData.length > 0 && evalEvery > 0 && step % evalEvery === 0
          ? observe(training.forward(evalData, "cross_entropy"))
          : null;
      const fwdBwd = observe(training.forwardBackward(data, "cross_entropy"));
      const optim = observe(training.optimStep({ learning_rate: lr, ...adam }));
      const due = saveEvery > 0 && (step + 1) % saveEvery === 0 && step + 1 < total;
      const save = due ? saveAs(pad(step + 1)) : null;
      pending.push({ step, epoch, batch, lr, data, fwdBwd, optim, evalFwd, save });
      if (pending.length > submitAhead) await finish(pending.shift() as Submitted);
    }
    while (pending.length > 0) {
      checkAbort();
      await finish(pending.shift() as Submitted);
    }

    let testNll: number | null = null;
    if (evalData.length > 0) {
      testNll = nllOf(await wait(observe(training.forward(evalData, "cross_entropy"))), evalData);
      appendMetrics(logDir, { step: total, "test/nll": testNll });
    }
    const finalCheckpoint = await record(saveAs("final"), total, true);
    say(
      `done: ${total} steps${testNll === null ? "" : `, test_nll ${fmt(testNll)}`}; final checkpoint ${finalCheckpoint.state_path}`,
    );
    return { steps: total, resumedFrom: resume, finalCheckpoint, testNll };
  } finally {
    if (ownService) await service.close();
  }
}

function nllOf(out: ForwardBackwardOutput, data: readonly Datum[]): number {
  return computeMeanNll(
    out.loss_fn_outputs.map((o) => o.logprobs ?? []),
    data.map((d) => weightsOf(d)),
  );
}

function weightsOf(d: Datum): TensorData {
  const w = d.loss_fn_inputs.weights;
  if (!w) throw new SupervisedError("a supervised datum needs loss_fn_inputs.weights", "DATA_VALIDATION");
  return w;
}
