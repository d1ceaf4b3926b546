/** Parity with golden `retries`: HTTP-layer and SDK-layer retries, sampling backpressure, read timeout. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BadRequestError } from "../../src/errors/index.js";
import { loadMeta, metaStep } from "./golden.js";
import { expectParity, returnedDiffs, type Scenario, startScenario } from "./harness.js";
import { metaData, metaModelInput, newService, plain } from "./sdk.js";

const meta = loadMeta("retries");
const returned = (step: number) => metaStep(meta, step).returned;

describe("parity: retries", () => {
  let sc: Scenario;
  beforeEach(async () => {
    // Line 40 is answered after 1.6 s in the recording; the client (timeout 1 s) must give up first.
    sc = await startScenario("retries", {
      delayMs: (l) => (l.seq === 40 ? 3_000 : (l.fault?.delay_s ?? 0) * 1000),
    });
  });
  afterEach(async () => {
    await sc.dispose();
  });

  it("sends the requests of retries.jsonl (same keys on HTTP retries, new ones on SDK re-sends)", async () => {
    const service = newService(sc);
    const results: Array<[number, unknown]> = [];
    const prompt = metaModelInput(metaStep(meta, 19).kwargs?.["prompt"] ?? null);
    try {
      results.push([2, await service.getServerCapabilities()]);
      const training = await service.createLoraTrainingClient("Qwen/Qwen3-8B", { rank: 32 });
      results.push([5, await training.forwardBackward(metaData(metaStep(meta, 4)), "cross_entropy")]);
      results.push([7, await training.optimStep({ learning_rate: 0.0001 })]);
      results.push([9, await training.saveState("r1")]);
      // Step 10: a 400 is raised at once, no retry at any layer.
      const bad = await training.getInfo().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(bad).toBeInstanceOf(BadRequestError);
      expect((bad as BadRequestError).status).toBe(400);
      results.push([12, await training.loadState("tinker://model-1/weights/r1")]);
      results.push([14, await training.saveWeightsForSampler("r1")]);
      results.push([16, await training.forward(metaData(metaStep(meta, 15)), "cross_entropy")]);
      results.push([17, await training.getInfo()]);
      const sampler = await service.createSamplingClient({ baseModel: "Qwen/Qwen3-8B" });
      results.push([20, await sampler.sample(prompt, 1, { max_tokens: 4 })]);
      results.push([22, await sampler.sample(prompt, 1, { max_tokens: 4 })]);
      await expect(sampler.sample(prompt, 1, { max_tokens: 4 })).rejects.toBeInstanceOf(BadRequestError);
    } finally {
      await service.close();
    }
    // Steps 25-26: ServiceClient(timeout=1.0); the slow answer is a read timeout, retried once.
    const slow = newService(sc, { timeout: 1_000 });
    try {
      results.push([26, await slow.getServerCapabilities()]);
    } finally {
      await slow.close();
    }
    await expectParity(sc.replay);
    for (const [step, value] of results) {
      expect(returnedDiffs(returned(step), plain(value), `step ${step}`)).toEqual([]);
    }
    // Backoff choices (README facts 12, 13, 16): retry-after-ms 10 is obeyed, retry-after: 1 means
    // 1 s, the SDK-level and sampling back-offs are 1 s, jittered HTTP backoff 0.375-0.5 s then 0.75-1 s.
    const sleeps = sc.clock.sleeps;
    expect(sleeps).toContain(10);
    expect(sleeps.filter((s) => s === 1_000).length).toBeGreaterThanOrEqual(3);
    expect(sleeps.some((s) => s >= 375 && s <= 500)).toBe(true);
    expect(sleeps.some((s) => s >= 750 && s <= 1_000)).toBe(true);
  });
});
