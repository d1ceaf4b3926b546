import { describe, expect, it } from "vitest";
import type { EngineDatum, EngineLoraSpec } from "../../../src/emulator/engine.js";
import { createTinyEngine } from "../../../src/emulator/model/index.js";
import { TinyTrainableModel } from "../../../src/emulator/model/trainable.js";

const spec: EngineLoraSpec = { rank: 4, seed: 1, trainAttn: true, trainMlp: true, trainUnembed: true };
const adam = { learningRate: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8 };

function ceDatum(text: string): EngineDatum {
  const toks = [256, ...new TextEncoder().encode(text)];
  const tokens = toks.slice(0, -1);
  const targets = toks.slice(1);
  return {
    tokens,
    lossFnInputs: {
      target_tokens: { data: targets, dtype: "int64", shape: [targets.length] },
      weights: { data: targets.map(() => 1), dtype: "float32", shape: [targets.length] },
    },
  };
}

describe("Adam", () => {
  it("matches a hand-worked first and second step", () => {
    const m = new TinyTrainableModel("b", { ...spec, trainAttn: false, trainMlp: false });
    const ad = m.adapters.unembed;
    const g = m.grads.unembed;
    if (!ad || !g) throw new Error("no adapter");
    const w0 = ad.B[5];
    g.B[5] = 0.5;
    const out = m.optimStep({ learningRate: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8 });
    // Step 1: m̂ = g, v̂ = g², so the update is lr·g/(|g|+eps) ≈ lr.
    expect(ad.B[5]).toBeCloseTo(Math.fround(w0 - (0.1 * 0.5) / (0.5 + 1e-8)), 6);
    expect(out["learning_rate:mean"]).toBe(0.1);
    expect(out["grad_norm:mean"]).toBeCloseTo(0.5, 9);
    expect(g.B[5]).toBe(0);
    const w1 = ad.B[5];
    g.B[5] = -1;
    m.optimStep({ learningRate: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8 });
    const m2 = 0.9 * 0.05 + 0.1 * -1;
    const v2 = 0.99 * 0.01 * 0.25 + 0.01 * 1;
    const mh = m2 / (1 - 0.81);
    const vh = v2 / (1 - 0.99 ** 2);
    expect(ad.B[5]).toBeCloseTo(w1 - (0.1 * mh) / (Math.sqrt(vh) + 1e-8), 5);
  });
});

describe("training", () => {
  it("cross_entropy on a short text drops the loss at least 3x in 200 steps", () => {
    const m = createTinyEngine().createModel("Qwen/Qwen3-8B", spec);
    const batch = [ceDatum("the cat sat on the mat. "), ceDatum("the dog sat on the log. ")];
    const first = m.forward(batch, "cross_entropy", null).metrics["loss:sum"];
    for (let i = 0; i < 200; i++) {
      m.forwardBackward(batch, "cross_entropy", null);
      m.optimStep(adam);
    }
    const last = m.forward(batch, "cross_entropy", null).metrics["loss:sum"];
    expect(last).toBeLessThan(first / 3);
  });

  it("forward reports per-token logprobs and elementwise_loss summing to loss:sum", () => {
    const m = createTinyEngine().createModel("x", spec);
    const out = m.forward([ceDatum("hello")], "cross_entropy", null);
    const o = out.lossFnOutputs[0];
    expect(o.logprobs.shape).toEqual([5]);
    const lp = Array.from(o.logprobs.data);
    expect(lp.every((x) => x < 0)).toBe(true);
    const sum = Array.from(o.elementwise_loss.data).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(out.metrics["loss:sum"], 4);
    expect(-lp.reduce((a, b) => a + b, 0)).toBeCloseTo(out.metrics["loss:sum"], 4);
  });

  it("save/load round-trips weights and optimizer state", () => {
    const eng = createTinyEngine();
    const a = eng.createModel("x", spec);
    const batch = [ceDatum("abcabc")];
    for (let i = 0; i < 3; i++) {
      a.forwardBackward(batch, "cross_entropy", null);
      a.optimStep(adam);
    }
    const b = eng.createModel("x", { ...spec, seed: 2 });
    b.loadState(a.saveState());
    for (const mm of [a, b]) {
      mm.forwardBackward(batch, "cross_entropy", null);
      mm.optimStep(adam);
    }
    expect(b.forward(batch, "cross_entropy", null).metrics["loss:sum"]).toBe(
      a.forward(batch, "cross_entropy", null).metrics["loss:sum"],
    );
    const c = eng.createModel("x", { ...spec, seed: 3 });
    c.loadState(a.saveState(), { weightsOnly: true });
    expect(c.forward(batch, "cross_entropy", null).metrics["loss:sum"]).toBe(
      a.forward(batch, "cross_entropy", null).metrics["loss:sum"],
    );
    expect(() => c.loadState(new Uint8Array(8))).toThrow();
  });
});
