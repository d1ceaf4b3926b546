/** Parity with golden `sampling`: sampling clients, sample options, compute_logprobs, ephemeral save. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { ValidationError } from "../../src/errors/index.js";
import { loadMeta, metaStep } from "./golden.js";
import { expectParity, returnedDiffs, type Scenario, startScenario } from "./harness.js";
import { metaModelInput, newService, plain } from "./sdk.js";

const meta = loadMeta("sampling");
const returned = (step: number) => metaStep(meta, step).returned;
const prompt = (step: number) => metaModelInput(metaStep(meta, step).kwargs?.["prompt"] ?? null);

describe("parity: sampling", () => {
  let sc: Scenario;
  beforeEach(async () => {
    sc = await startScenario("sampling");
  });
  afterEach(async () => {
    await sc.dispose();
  });

  it("sends the requests of sampling.jsonl and returns Python's values", async () => {
    const service = newService(sc);
    const results: Array<[number, unknown]> = [];
    try {
      const s1 = await service.createSamplingClient({ modelPath: "tinker://model-1/sampler_weights/s1" });
      results.push([4, await s1.sample(prompt(3), 2, { max_tokens: 16, stop: ["\n"], temperature: 0.7 })]);
      results.push([6, await s1.sample(prompt(5), 1, { max_tokens: 4 }, { includePromptLogprobs: true })]);
      results.push([
        8,
        await s1.sample(
          prompt(7),
          1,
          { max_tokens: 4 },
          { includePromptLogprobs: true, topkPromptLogprobs: 2 },
        ),
      ]);
      results.push([10, await s1.computeLogprobs(prompt(9))]);
      const s2 = await service.createSamplingClient({ baseModel: "Qwen/Qwen3-8B" });
      results.push([
        13,
        await s2.sample(prompt(12), 1, {
          max_tokens: 8,
          seed: 1234,
          stop: [13, 14],
          temperature: 1.0,
          top_k: 50,
          top_p: 0.9,
        }),
      ]);
      results.push([15, await s2.sample(prompt(14), 1, { stop: "\n\n" })]);
      const training = await service.createLoraTrainingClient("Qwen/Qwen3-8B", {
        rank: 8,
        seed: 7,
        trainUnembed: false,
      });
      const s3 = await training.saveWeightsAndGetSamplingClient();
      results.push([19, await s3.sample(prompt(18), 1, { max_tokens: 2 })]);
      // Step 20: an invalid model_path is refused before anything is sent (Python: ValueError).
      await expect(
        service.createSamplingClient({ modelPath: "model-1/sampler_weights/s1" }),
      ).rejects.toBeInstanceOf(ValidationError);
    } finally {
      await service.close();
    }
    await expectParity(sc.replay);
    for (const [step, value] of results) {
      expect(returnedDiffs(returned(step), plain(value), `step ${step}`)).toEqual([]);
    }
  });
});
