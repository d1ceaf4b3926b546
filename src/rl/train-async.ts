/**
 * Off-policy RL (cookbook `do_async_training`): a dataloader feeds env groups to rollout workers that
 * sample with whatever sampler is newest, while the trainer takes finished groups as they come.
 * A group sampled more than `maxStepsOffPolicy` steps before the step that would train on it is not
 * trained on: it is sampled again (or dropped once the dataloader is done).
 */
import { setMaxListeners } from "node:events";
import type { SamplingClient } from "../clients/sampling-client.js";
import { AsyncQueue } from "./async-queue.js";
import { mixSeed, runGroupRollout, samplingPolicy } from "./rollouts.js";
import { finishStep, openRun, type RLConfig, type RLRunResult, saveFinal } from "./train.js";
import type { EnvGroupBuilder, Metrics, TrajectoryGroup } from "./types.js";

interface WorkItem {
  readonly builder: EnvGroupBuilder;
  readonly batch: number;
  readonly index: number;
  /** How many times this group was sampled before (stale samples are requeued). */
  readonly attempt: number;
}

interface Sampled {
  readonly item: WorkItem;
  readonly group: TrajectoryGroup;
  /** The trainer step whose sampler produced the group. */
  readonly samplerStep: number;
  readonly seconds: number;
}

const SHUTDOWN = Symbol("shutdown");

/** Staleness and timing figures of a batch (cookbook `compute_sampling_client_metrics`). */
function samplingClientMetrics(batch: readonly Sampled[]): Metrics {
  const steps = batch.map((b) => b.samplerStep);
  const times = batch.map((b) => b.seconds);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return {
    "sampling_client/step_max": Math.max(...steps),
    "sampling_client/step_min": Math.min(...steps),
    "sampling_client/step_mean": sum(steps) / steps.length,
    "time/sampling_time_max": Math.max(...times),
    "time/sampling_time_min": Math.min(...times),
    "time/sampling_time_mean": sum(times) / times.length,
  };
}

/** `trainRL` with `config.async` set. */
export async function trainRLAsync(config: RLConfig): Promise<RLRunResult> {
  const opts = config.async;
  if (!opts) throw new TypeError("trainRLAsync needs config.async");
  if (!(opts.groupsPerBatch >= 1)) throw new RangeError("async.groupsPerBatch must be at least 1");
  const ctx = await openRun(config);
  const stop = new AbortController();
  const signal = config.signal ? AbortSignal.any([config.signal, stop.signal]) : stop.signal;
  setMaxListeners(0, signal);
  const work = new AsyncQueue<WorkItem | typeof SHUTDOWN>(opts.groupsPerBatch);
  const results = new AsyncQueue<Sampled | typeof SHUTDOWN>();
  let sampler: SamplingClient = await ctx.training.saveWeightsAndGetSamplingClient(undefined, { signal });
  let samplerStep = ctx.startStep;
  let dataloaderDone = false;
  const requeues = new Set<Promise<void>>();
  const fail = (err: unknown) => {
    if (!stop.signal.aborted) stop.abort(err);
    work.close(err);
    results.close(err);
  };
  signal.addEventListener("abort", () => fail(signal.reason), { once: true });

  const dataloader = async () => {
    for (let batch = ctx.startStep; batch < ctx.endStep; batch++) {
      const builders = config.dataset.getBatch(batch);
      for (let index = 0; index < builders.length; index++) {
        await work.put({ builder: builders[index] as EnvGroupBuilder, batch, index, attempt: 0 });
      }
    }
    dataloaderDone = true;
    for (let i = 0; i < opts.groupsPerBatch; i++) await work.put(SHUTDOWN);
  };

  let alive = opts.groupsPerBatch;
  const worker = async () => {
    for (;;) {
      const item = await work.get();
      if (item === SHUTDOWN) break;
      // The sampler and its step are read together, so the staleness check sees the truth.
      const mySampler = sampler;
      const myStep = samplerStep;
      const t0 = performance.now();
      const policy = samplingPolicy(mySampler, {
        maxTokens: config.maxTokens,
        temperature: config.temperature,
        limiter: ctx.limiter,
      });
      const group = await runGroupRollout(item.builder, policy, {
        signal,
        maxTurns: config.maxTurns,
        seed:
          config.seed === undefined ? undefined : mixSeed(config.seed, item.batch, item.index, item.attempt),
      });
      await results.put({ item, group, samplerStep: myStep, seconds: (performance.now() - t0) / 1000 });
    }
    alive--;
    if (alive === 0) await results.put(SHUTDOWN);
  };

  let stepsDone = ctx.startStep;
  let finished = false;
  const trainer = async () => {
    let batch: Sampled[] = [];
    let startedAt = performance.now();
    for (let step = ctx.startStep; step < ctx.endStep; ) {
      const got = await results.get();
      if (got === SHUTDOWN) break;
      if (step - got.samplerStep > opts.maxStepsOffPolicy) {
        if (!dataloaderDone) {
          // Not awaited here (the work queue may be full while the trainer must keep draining);
          // tracked and awaited before the run ends, so its failure is seen.
          const p = work
            .put({ ...got.item, attempt: got.item.attempt + 1 })
            .finally(() => requeues.delete(p));
          requeues.add(p);
        }
        continue;
      }
      batch.push(got);
      if (batch.length < opts.groupsPerBatch) continue;
      const metrics: Metrics = {
        "training_client/step": step,
        "optim/lr": config.learningRate,
        "progress/done_frac": (step + 1) / ctx.endStep,
        "time/sampling": (performance.now() - startedAt) / 1000,
        ...samplingClientMetrics(batch),
      };
      const next = await finishStep(
        ctx,
        step,
        batch.map((b) => b.item.builder),
        batch.map((b) => b.group),
        metrics,
        startedAt,
      );
      step++;
      stepsDone = step;
      sampler = next;
      samplerStep = step;
      batch = [];
      startedAt = performance.now();
    }
    // Training is over: stop the rollouts still running (their groups would not be trained on).
    finished = true;
    const done = new Error("training finished");
    stop.abort(done);
    work.close(done);
    results.close(done);
  };

  // The first failure stops everything; failures caused by that stop (or by the trainer's own
  // end-of-training stop) are not reported over it.
  let failed = false;
  let failure: unknown;
  const guard = (p: Promise<void>) =>
    p.catch((err: unknown) => {
      if (finished || failed) return;
      failed = true;
      failure = err;
      fail(err);
    });
  await Promise.all([
    guard(dataloader()),
    guard(trainer()),
    ...Array.from({ length: opts.groupsPerBatch }, () => guard(worker())),
  ]);
  await Promise.allSettled([...requeues]);
  if (failed) throw failure;
  const final = await saveFinal({ ...ctx, endStep: stepsDone });
  return { training: ctx.training, startStep: ctx.startStep, endStep: stepsDone, final };
}
