/**
 * Parity v0.25 `futures`: every poll outcome of fact 10 (try_again, 408 with queue_state_reason,
 * 5xx re-polled at once, 429 → 2^n s back-off, bare 400 re-polled ×3, failures by category, 410,
 * 404, JSON/garbage results for protobuf types, invalid JSON results, complete_metadata on a JSON
 * type) and a 410 on a sample future re-sampled with the next seq_id (fact 14).
 */
import { afterEach, describe, expect, it } from "vitest";
import { FutureExpiredError, FutureRetrieveError, RequestFailedError } from "../../src/errors/index.js";
import { ModelInput } from "../../src/types/model-input.js";
import { metaDatum } from "../parity/sdk.js";
import type { Json } from "../parity/golden.js";
import { loadMetaV025, type MetaV025 } from "./golden.js";
import { type ScenarioV025Run, startScenarioV025 } from "./scenario.js";

let sc: ScenarioV025Run | undefined;
afterEach(async () => {
  await sc?.dispose();
  sc = undefined;
});

const dataOf = (meta: MetaV025, step: number) => {
  const data = meta.calls.find((c) => c.step === step)?.kwargs?.["data"];
  if (!Array.isArray(data)) throw new Error(`step ${step}: no data`);
  return data.map((d) => metaDatum(d as Json));
};
const ADAM = { learning_rate: 0.0001, beta1: 0.9, beta2: 0.95, eps: 1e-12 };

describe("parity v0.25: futures", () => {
  it("poll outcomes as 0.25.0 handles them, and a 410 sample re-sampled with the next seq_id", async () => {
    sc = await startScenarioV025("futures", { telemetry: true }, {});
    const meta = loadMetaV025("futures");
    const raised = (step: number) => meta.calls.find((c) => c.step === step)?.raised;
    const service = sc.service();
    const training = await service.createLoraTrainingClient("Qwen/Qwen3-8B", { rank: 32 });
    expect(training.modelId).toBe("sess-1:train:0");

    // try_again ×2, 408, 500, 502, then the result (8–13).
    const fb = await training.forwardBackward(dataOf(meta, 3), "cross_entropy");
    expect(fb.loss_fn_output_type).toBe("ArrayRecord");
    // 429 → 1 s back-off, then the result (15–16).
    const sleepsBefore = sc.clock.sleeps.length;
    expect((await training.optimStep(ADAM)).metrics).toEqual({
      "learning_rate:mean": 0.0001,
      "grad_norm:mean": 0.25,
    });
    expect(sc.clock.sleeps.slice(sleepsBefore)).toContain(1000);
    // 400 ×2, then the result (18–20).
    await training.optimStep(ADAM);
    // 400 ×4 → error "exceeded 3 retries" (22–25).
    expect(raised(10)?.message).toContain("exceeded 3 retries");
    const e400 = await training.optimStep(ADAM).catch((e: unknown) => e);
    expect(e400).toBeInstanceOf(FutureRetrieveError);
    expect((e400 as FutureRetrieveError & { cause: { status: number } }).cause.status).toBe(400);
    // Each failed call flushes its telemetry at once (Python waits for it; we wait here, fact 23).
    await sc.replay.waitForLine(26);
    // Failures by category: user, server, quota → unknown (28, 31, 34).
    const user = await training.optimStep(ADAM).catch((e: unknown) => e);
    expect(user).toBeInstanceOf(RequestFailedError);
    expect((user as RequestFailedError).category).toBe(raised(12)?.["category"]);
    await sc.replay.waitForLine(29);
    const server = await training.forwardBackward(dataOf(meta, 13), "cross_entropy").catch((e: unknown) => e);
    expect((server as RequestFailedError).category).toBe(raised(14)?.["category"]);
    await sc.replay.waitForLine(32);
    const quota = await training.saveState("q").catch((e: unknown) => e);
    expect((quota as RequestFailedError).category).toBe(raised(16)?.["category"]);
    await sc.replay.waitForLine(35);
    // 410 on a training future (37).
    expect(await training.saveState("exp").catch((e: unknown) => e)).toBeInstanceOf(FutureExpiredError);
    await sc.replay.waitForLine(38);
    // 404 (40).
    const e404 = await training.loadState("tinker://x:train:0/weights/exp").catch((e: unknown) => e);
    expect(e404).toBeInstanceOf(FutureRetrieveError);
    await sc.replay.waitForLine(41);
    // A JSON result for a protobuf-only type (43), bytes that are not protobuf (46).
    await expect(training.forwardBackward(dataOf(meta, 21), "cross_entropy")).rejects.toThrow(/protobuf/);
    await sc.replay.waitForLine(44);
    await expect(training.forward(dataOf(meta, 23), "cross_entropy")).rejects.toThrow();
    await sc.replay.waitForLine(47);
    // An invalid JSON result (49).
    await expect(training.optimStep(ADAM)).rejects.toThrow();
    await sc.replay.waitForLine(50);
    // complete_metadata on a JSON type: polled again with allow_metadata_only false (52–53).
    expect((await training.optimStep(ADAM)).metrics).toEqual({
      "learning_rate:mean": 0.0001,
      "grad_norm:mean": 0.25,
    });

    const sampler = await service.createSamplingClient({ baseModel: "Qwen/Qwen3-8B" });
    expect(sampler.samplingSessionId).toBe("sess-1:sample:0");
    const prompt = ModelInput.fromInts([1, 2, 3]);
    const params = { max_tokens: 4, temperature: 1.0, top_k: -1, top_p: 1.0 };
    // 410 on the sample's future → re-sampled with seq_id 1 (56–57).
    const s = await sampler.sample(prompt, 1, params);
    expect(s.sequences[0]?.tokens).toEqual([1000, 1001, 1002, 1003]);
    // try_again, then a user failure (60–61).
    const failed = await sampler.sample(prompt, 1, params).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(RequestFailedError);
    expect((failed as RequestFailedError).category).toBe("user");
    await sc.replay.waitForLine(62);

    // Every line, each sent once (telemetry compared too).
    expect(sc.replay.received.filter((r) => r.line !== undefined).length).toBe(meta.request_count);
    expect(sc.replay.report()).toEqual([]);
  });
});
