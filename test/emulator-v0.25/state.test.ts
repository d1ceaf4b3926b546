/**
 * Checkpoint state through the SDK speaking 0.25.0 against the in-process emulator: resuming with
 * the optimizer restores Adam's moments (the next step matches uninterrupted training; a
 * weights-only resume does not), `ttlSeconds` makes a checkpoint expire (shown, then gone from the
 * listing and unloadable), and `create_model_via_load_weights` creates the model by one load.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ServiceClient } from "../../src/clients/index.js";
import { APIUserAbortError } from "../../src/errors/index.js";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { ModelInput } from "../../src/types/model-input.js";
import { TensorData } from "../../src/types/tensor-data.js";
import type { TrainingClient } from "../../src/clients/training-client.js";
import { KEY } from "./helpers.js";

let emu: Emulator | undefined;
let service: ServiceClient | undefined;
afterEach(async () => {
  await service?.close();
  await emu?.close();
  service = undefined;
  emu = undefined;
});

const BASE = "tinker-ts/tiny-lm";
const batch = [
  {
    model_input: ModelInput.fromInts([5, 6, 7, 8]),
    loss_fn_inputs: {
      target_tokens: TensorData.fromArray([6, 7, 8, 9], "int64"),
      weights: TensorData.fromArray([1, 1, 1, 1], "float32"),
    },
  },
];

async function step(t: TrainingClient): Promise<void> {
  await t.forwardBackward(batch, "cross_entropy");
  await t.optimStep({ learning_rate: 0.05 });
}

async function logprobs(t: TrainingClient): Promise<number[]> {
  const out = await t.forward(batch, "cross_entropy");
  return [...(out.loss_fn_outputs[0]?.logprobs?.data ?? [])];
}

function client(e: Emulator): ServiceClient {
  return new ServiceClient({ protocol: "0.25.0", apiKey: KEY, baseUrl: e.url, telemetry: false });
}

describe("0.25.0 checkpoint state against the emulator", () => {
  it("createTrainingClientFromStateWithOptimizer resumes Adam; the weights-only resume does not", async () => {
    emu = await startEmulator();
    service = client(emu);
    const original = await service.createLoraTrainingClient(BASE, { rank: 2, seed: 1 });
    for (let i = 0; i < 3; i++) await step(original);
    const { path } = await original.saveState("resume");
    const withOptimizer = await service.createTrainingClientFromStateWithOptimizer(path);
    const weightsOnly = await service.createTrainingClientFromState(path);
    // Same weights right after loading.
    expect(await logprobs(withOptimizer)).toEqual(await logprobs(original));
    expect(await logprobs(weightsOnly)).toEqual(await logprobs(original));
    await step(original);
    await step(withOptimizer);
    await step(weightsOnly);
    const next = await logprobs(original);
    expect(await logprobs(withOptimizer)).toEqual(next);
    expect(await logprobs(weightsOnly)).not.toEqual(next);
    // The load bodies said so (0.25.0 always sends `optimizer`).
    const loads = emu.log
      .byPath("/api/v1/load_weights", "POST")
      .map((e) => (e.body as { optimizer?: boolean }).optimizer);
    expect(loads).toEqual([true, false]);
  });

  it("saveState({ ttlSeconds }) shows expires_at, then the checkpoint expires", async () => {
    let now = Date.UTC(2025, 0, 2, 3, 4, 5);
    emu = await startEmulator({ now: () => now });
    service = client(emu);
    const t = await service.createLoraTrainingClient(BASE, { rank: 2 });
    const { path } = await t.saveState("short", { ttlSeconds: 60 });
    await t.saveState("kept");
    const rest = service.createRestClient();
    const listed = await rest.listCheckpoints(t.modelId);
    const short = listed.checkpoints.find((c) => c.checkpoint_id === "weights/short") as {
      expires_at?: string;
    };
    expect(short.expires_at).toBe("2025-01-02T03:05:05Z");
    now += 61_000;
    const after = await rest.listCheckpoints(t.modelId);
    expect(after.checkpoints.map((c) => c.checkpoint_id)).toEqual(["weights/kept"]);
    await expect(t.loadState(path)).rejects.toThrow(/not found/);
  });

  it("create_model_via_load_weights: one load_weights creates <session>:train:<seq>, which then trains", async () => {
    emu = await startEmulator();
    service = client(emu);
    const source = await service.createLoraTrainingClient(BASE, { rank: 2 });
    await step(source);
    const { path } = await source.saveState("src");
    emu.v025.setClientConfig({ create_model_via_load_weights: true });
    const second = client(emu);
    try {
      const t = await second.createTrainingClientFromStateWithOptimizer(path, {
        userMetadata: { via: "load" },
      });
      const sessionId = await second.sessionId();
      expect(t.modelId).toBe(`${sessionId}:train:0`);
      expect(emu.log.byPath("/api/v1/create_model", "POST")).toHaveLength(1); // the source's only
      expect(await logprobs(t)).toEqual(await logprobs(source));
      await step(t);
      await step(source);
      expect(await logprobs(t)).toEqual(await logprobs(source));
    } finally {
      await second.close();
    }
  });

  it("the 0.4.1 wire carries the same calls: optimizer and ttl_seconds only when asked", async () => {
    emu = await startEmulator();
    service = new ServiceClient({ apiKey: KEY, baseUrl: emu.url, telemetry: false });
    const original = await service.createLoraTrainingClient(BASE, { rank: 2, seed: 1 });
    for (let i = 0; i < 2; i++) await step(original);
    const { path } = await original.saveState("v041", { ttlSeconds: 3600 });
    await original.saveState("plain");
    const resumed = await service.createTrainingClientFromStateWithOptimizer(path);
    await step(original);
    await step(resumed);
    expect(await logprobs(resumed)).toEqual(await logprobs(original));
    const saves = emu.log.byPath("/api/v1/save_weights", "POST").map((e) => e.body);
    expect(saves).toEqual([
      { model_id: original.modelId, path: "v041", seq_id: 5, ttl_seconds: 3600 },
      { model_id: original.modelId, path: "plain", seq_id: 6 },
    ]);
    expect(emu.log.byPath("/api/v1/load_weights", "POST").map((e) => e.body)).toEqual([
      { model_id: resumed.modelId, path, seq_id: 1, optimizer: true },
    ]);
  });

  it("per-call options: an aborted signal stops the new calls before they send", async () => {
    emu = await startEmulator();
    service = client(emu);
    const t = await service.createLoraTrainingClient(BASE, { rank: 2 });
    const { path } = await t.saveState("abort");
    const signal = AbortSignal.abort();
    const before = emu.log.byPath("/api/v1/load_weights", "POST").length;
    await expect(t.loadStateWithOptimizer(path, { signal })).rejects.toBeInstanceOf(APIUserAbortError);
    await expect(t.saveState("x", { ttlSeconds: 5, signal })).rejects.toBeInstanceOf(APIUserAbortError);
    await expect(t.saveWeightsForSampler("x", { ttlSeconds: 5, signal })).rejects.toBeInstanceOf(
      APIUserAbortError,
    );
    await expect(service.createTrainingClientFromStateWithOptimizer(path, { signal })).rejects.toBeInstanceOf(
      APIUserAbortError,
    );
    expect(emu.log.byPath("/api/v1/load_weights", "POST").length).toBe(before);
    expect(emu.log.byPath("/api/v1/weights_info", "POST")).toHaveLength(0);
  });
});
