/**
 * getLr against the cookbook's formula (values computed with Python from `hyperparam_utils.get_lr`'s
 * expression) and the three schedules of `lr_scheduling.py`.
 */
import { describe, expect, it } from "vitest";
import { getLr, lrMultiplier, SupervisedError } from "../../src/supervised/index.js";

describe("getLr", () => {
  it("gives the cookbook's values by hidden size", () => {
    // Python: (5e-5 * 10) * (2000 / hidden) ** exponent, printed with repr().
    const cases: Array<[string, number, boolean]> = [
      ["Qwen/Qwen3-8B", 0.00047297908091376354, true],
      ["Qwen/Qwen3-30B-A3B", 0.0004990818286656736, true],
      ["Qwen/Qwen3-32B", 0.000464869878799652, true],
      ["meta-llama/Llama-3.2-1B", 0.0004908239409722158, true],
      ["meta-llama/Llama-3.1-70B", 1.6623286309571608e-5, false],
    ];
    for (const [name, lr, isLora] of cases) {
      expect(getLr(name, { isLora }), name).toBeCloseTo(lr, 18);
    }
  });

  it("refuses uncalibrated and unknown models, and needs a hidden size for unlisted ones", () => {
    for (const name of [
      "openai/gpt-oss-20b",
      "deepseek-ai/DeepSeek-V3.1",
      "thinkingmachines/Inkling",
      "acme/x",
    ]) {
      expect(() => getLr(name), name).toThrow(SupervisedError);
    }
    expect(() => getLr("Qwen/Qwen9-1B")).toThrow(/hiddenSize/);
    expect(getLr("Qwen/Qwen9-1B", { hiddenSize: 2000 })).toBeCloseTo(5e-4, 18);
  });
});

describe("lrMultiplier", () => {
  it("linear decays 1 → 0, cosine follows ½(1+cos), constant stays 1", () => {
    expect([0, 25, 50, 100].map((s) => lrMultiplier("linear", s, 100))).toEqual([1, 0.75, 0.5, 0]);
    expect(lrMultiplier("cosine", 0, 100)).toBe(1);
    expect(lrMultiplier("cosine", 50, 100)).toBeCloseTo(0.5, 15);
    expect(lrMultiplier("cosine", 25, 100)).toBeCloseTo(0.5 * (1 + Math.SQRT1_2), 15);
    expect(lrMultiplier("cosine", 100, 100)).toBeCloseTo(0, 15);
    expect(lrMultiplier("constant", 7, 10)).toBe(1);
  });

  it("refuses a non-positive total and an unknown schedule", () => {
    expect(() => lrMultiplier("linear", 0, 0)).toThrow(SupervisedError);
    expect(() => lrMultiplier("step" as "linear", 0, 10)).toThrow(/unknown learning rate schedule/);
  });
});
