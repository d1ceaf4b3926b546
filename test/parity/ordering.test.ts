/**
 * Parity with golden `ordering`: one TrainingClient request in flight at a time, in seq_id order;
 * per-client seq ids; concurrent samples (matched by seq_id, README "Ordering and stability").
 * Recorded delays are halved (0.3 s → 150 ms …) to keep the test short; only their order matters.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadMeta, metaStep } from "./golden.js";
import { expectParity, returnedDiffs, type Scenario, startScenario } from "./harness.js";
import { metaData, metaModelInput, newService, plain } from "./sdk.js";

const meta = loadMeta("ordering");
const returned = (step: number) => metaStep(meta, step).returned;

describe("parity: ordering", () => {
  let sc: Scenario;
  beforeEach(async () => {
    sc = await startScenario("ordering", {
      delayMs: (l) => (l.fault?.delay_s ?? 0) * 500,
      // Fact 22: the second forward_backward goes out only after the slowed first one is answered;
      // the three samples are in flight together.
      sequential: [[6, 7]],
      concurrent: [[15, 16, 17]],
    });
  });
  afterEach(async () => {
    await sc.dispose();
  });

  it("sends the requests of ordering.jsonl in the same order and concurrency", async () => {
    const service = newService(sc);
    const results: Array<[number, unknown]> = [];
    try {
      const t1 = await service.createLoraTrainingClient("Qwen/Qwen3-8B", { rank: 32 });
      const t2 = await service.createLoraTrainingClient("Qwen/Qwen3-30B-A3B", { rank: 16 });
      const f1 = t1.forwardBackward(metaData(metaStep(meta, 4)), "cross_entropy");
      const f2 = t1.forwardBackward(metaData(metaStep(meta, 5)), "cross_entropy");
      const f3 = t1.optimStep({ learning_rate: 0.0001 });
      results.push([7, await f1], [8, await f2], [9, await f3]);
      results.push([11, await t2.forwardBackward(metaData(metaStep(meta, 10)), "cross_entropy")]);
      const sampler = await service.createSamplingClient({ baseModel: "Qwen/Qwen3-8B" });
      const samples = [13, 14, 15].map((step) =>
        sampler.sample(metaModelInput(metaStep(meta, step).kwargs?.["prompt"] ?? null), 1, { max_tokens: 2 }),
      );
      const outs = await Promise.all(samples);
      outs.forEach((o, i) => {
        results.push([16 + i, o]);
      });
    } finally {
      await service.close();
    }
    await expectParity(sc.replay);
    for (const [step, value] of results) {
      expect(returnedDiffs(returned(step), plain(value), `step ${step}`)).toEqual([]);
    }
    const ex = (seq: number) => {
      const e = sc.replay.exchangeFor(seq);
      if (!e) throw new Error(`line ${seq} not received`);
      return e;
    };
    // Fact 22: the second forward_backward (7) leaves only after the slow first one (6) was answered,
    // and optim_step (9) only after 7's answer.
    expect(ex(7).tArrive).toBeGreaterThanOrEqual(ex(6).tRespond ?? Number.POSITIVE_INFINITY);
    expect(ex(9).tArrive).toBeGreaterThanOrEqual(ex(7).tRespond ?? Number.POSITIVE_INFINITY);
    // Samples go out concurrently: all three arrive before the first one is answered.
    const firstAnswer = Math.min(...[15, 16, 17].map((s) => ex(s).tRespond ?? Number.POSITIVE_INFINITY));
    expect(Math.max(...[15, 16, 17].map((s) => ex(s).tArrive))).toBeLessThan(firstAnswer);
  });
});
