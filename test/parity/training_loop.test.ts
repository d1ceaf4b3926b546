/** Parity with golden `training_loop`: a LoRA training client through every TrainingClient call. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadMeta, metaStep } from "./golden.js";
import { expectParity, returnedDiffs, type Scenario, startScenario } from "./harness.js";
import { metaData, newService, plain } from "./sdk.js";

const meta = loadMeta("training_loop");
const returned = (step: number) => metaStep(meta, step).returned;

describe("parity: training_loop", () => {
  let sc: Scenario;
  beforeEach(async () => {
    sc = await startScenario("training_loop");
  });
  afterEach(async () => {
    await sc.dispose();
  });

  it("sends the requests of training_loop.jsonl and returns Python's values", async () => {
    const service = newService(sc);
    const results: Array<[number, unknown]> = [];
    try {
      const training = await service.createLoraTrainingClient("Qwen/Qwen3-8B", { rank: 32 });
      expect(training.modelId).toBe("model-1");
      // Steps 3-6: pipelined forward_backward + optim_step, results awaited afterwards.
      const fb = training.forwardBackward(metaData(metaStep(meta, 3)), "cross_entropy");
      const opt = training.optimStep({ learning_rate: 0.0001 });
      results.push([5, await fb], [6, await opt]);
      results.push([8, await training.forward(metaData(metaStep(meta, 7)), "cross_entropy")]);
      results.push([10, await training.saveState("ckpt-1")]);
      results.push([12, await training.loadState("tinker://model-1/weights/ckpt-1")]);
      results.push([14, await training.saveWeightsForSampler("s1")]);
      results.push([15, await training.getInfo()]);
      const ppo = training.forwardBackward(metaData(metaStep(meta, 16)), "ppo", {
        clip_low_threshold: 0.8,
        clip_high_threshold: 1.2,
      });
      results.push([17, await ppo]);
      results.push([
        19,
        await training.optimStep({ learning_rate: 2e-5, beta1: 0.9, beta2: 0.95, eps: 1e-12 }),
      ]);
    } finally {
      await service.close();
    }
    await expectParity(sc.replay);
    for (const [step, value] of results) {
      expect(returnedDiffs(returned(step), plain(value), `step ${step}`)).toEqual([]);
    }
  });
});
