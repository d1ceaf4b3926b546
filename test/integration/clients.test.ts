/**
 * Our clients against the emulator end to end: a pipelined training loop that really learns,
 * save/load of state, sampling from saved weights, and the REST flows — with the emulator's request
 * log proving what went over the wire.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import {
  type Datum,
  ModelInput,
  NotFoundError,
  ServiceClient,
  TensorData,
  type TrainingClient,
} from "../../src/index.js";

const KEY = "tml-INTEGRATION-KEY";
let emulator: Emulator;
let service: ServiceClient;
let baseModel: string;

beforeAll(async () => {
  emulator = await startEmulator({ apiKey: KEY });
  service = new ServiceClient({ apiKey: KEY, baseUrl: emulator.url, telemetry: false });
  baseModel = (await service.getServerCapabilities()).supported_models[0]?.model_name ?? "";
  expect(baseModel).not.toBe("");
});

afterAll(async () => {
  await service?.close();
  await emulator?.close();
});

/** Next-token datums over a repeated phrase, as byte tokens. */
function phraseData(text: string, count: number): Datum[] {
  const tokens = [...Buffer.from(text)];
  return Array.from({ length: count }, () => ({
    model_input: ModelInput.fromInts(tokens.slice(0, -1)),
    loss_fn_inputs: {
      target_tokens: TensorData.fromArray(tokens.slice(1), "int64"),
      weights: TensorData.fromArray(new Array(tokens.length - 1).fill(1), "float32"),
    },
  }));
}

async function trainSteps(training: TrainingClient, data: Datum[], steps: number): Promise<number[]> {
  // All calls are submitted before any is awaited: the SDK must keep them in order on the wire.
  const futures = [];
  for (let i = 0; i < steps; i++) {
    futures.push(training.forwardBackward(data, "cross_entropy"));
    futures.push(training.optimStep({ learning_rate: 2e-2 }));
  }
  const results = await Promise.all(futures);
  return results
    .filter((_, i) => i % 2 === 0)
    .map((r) => (r as { metrics: Record<string, number> }).metrics["loss:sum"] ?? NaN);
}

describe("clients against the emulator", () => {
  it("runs a pipelined training loop in order, and the loss falls", async () => {
    const training = await service.createLoraTrainingClient(baseModel, { rank: 4, seed: 1 });
    const before = emulator.log.entries.length;
    const losses = await trainSteps(training, phraseData("the cat sat on the mat. ", 4), 15);
    expect(losses).toHaveLength(15);
    expect(losses.at(-1)).toBeLessThan((losses[0] ?? 0) / 2);
    const trainingCalls = emulator.log.entries
      .slice(before)
      .filter((e) => e.path === "/api/v1/forward_backward" || e.path === "/api/v1/optim_step");
    expect(trainingCalls.map((e) => e.path)).toEqual(
      Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? "/api/v1/forward_backward" : "/api/v1/optim_step")),
    );
    const seqIds = trainingCalls.map((e) => (e.body as { seq_id: number }).seq_id);
    expect(seqIds).toEqual([...seqIds].sort((a, b) => a - b));
    expect(emulator.log.seqViolations).toEqual([]);
  });

  it("saves state, restores it into a new client, and both give the same loss", async () => {
    const training = await service.createLoraTrainingClient(baseModel, { rank: 4, seed: 2 });
    const data = phraseData("hello world ", 2);
    await trainSteps(training, data, 3);
    const saved = await training.saveState("integration-state");
    expect(saved.path).toMatch(/^tinker:\/\/.+\/weights\/integration-state$/);
    const restored = await service.createTrainingClientFromState(saved.path);
    const [a, b] = await Promise.all([
      training.forward(data, "cross_entropy"),
      restored.forward(data, "cross_entropy"),
    ]);
    expect(b.metrics["loss:sum"]).toBeCloseTo(a.metrics["loss:sum"] ?? NaN, 6);
    expect(b.loss_fn_outputs).toHaveLength(2);
  });

  it("samples from saved weights, reproducibly with a seed, with logprobs", async () => {
    const training = await service.createLoraTrainingClient(baseModel, { rank: 4, seed: 3 });
    await trainSteps(training, phraseData("abcabcabc", 2), 10);
    const sampler = await training.saveWeightsAndGetSamplingClient();
    const prompt = ModelInput.fromInts([...Buffer.from("abc")]);
    const params = { max_tokens: 6, temperature: 0.7, seed: 42 };
    const [first, second] = await Promise.all([
      sampler.sample(prompt, 3, params),
      sampler.sample(prompt, 3, params),
    ]);
    expect(first.sequences).toHaveLength(3);
    expect(second.sequences).toEqual(first.sequences);
    for (const seq of first.sequences) {
      expect(seq.tokens.length).toBeLessThanOrEqual(6);
      expect(seq.logprobs).toHaveLength(seq.tokens.length);
      for (const lp of seq.logprobs ?? []) expect(lp).toBeLessThanOrEqual(0);
    }
    const greedy = await sampler.sample(prompt, 1, { max_tokens: 6, temperature: 0 });
    expect(Buffer.from(greedy.sequences[0]?.tokens ?? []).toString()).toBe("abcabc");
  });

  it("lists, publishes and deletes checkpoints through the RestClient", async () => {
    const training = await service.createLoraTrainingClient(baseModel, { rank: 2 });
    const state = await training.saveState("rest-a");
    const sampler = await training.saveWeightsForSampler("rest-b");
    const rest = service.createRestClient();
    const run = await rest.getTrainingRunByTinkerPath(state.path);
    expect(run.training_run_id).toBe(training.modelId);
    expect(run.lora_rank).toBe(2);
    const listed = await rest.listCheckpoints(run.training_run_id);
    expect(listed.checkpoints.map((c) => c.tinker_path).sort()).toEqual([state.path, sampler.path].sort());
    await rest.publishCheckpointFromTinkerPath(sampler.path ?? "");
    const all = [];
    for await (const c of rest.iterateUserCheckpoints()) all.push(c);
    expect(all.find((c) => c.tinker_path === sampler.path)?.public).toBe(true);
    await rest.deleteCheckpointFromTinkerPath(state.path);
    expect((await rest.listCheckpoints(run.training_run_id)).checkpoints).toHaveLength(1);
    await expect(rest.getTrainingRun("no-such-run")).rejects.toBeInstanceOf(NotFoundError);
  });
});
