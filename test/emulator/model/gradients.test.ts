import { describe, expect, it } from "vitest";
import type { EngineDatum, EngineLossFn, EngineTensor } from "../../../src/emulator/engine.js";
import { seededRandom } from "../../../src/lib/seeded-random.js";
import { PLACEMENTS } from "../../../src/emulator/model/net.js";
import { TinyTrainableModel } from "../../../src/emulator/model/trainable.js";

const f32 = (xs: number[]): EngineTensor => ({ data: xs, dtype: "float32", shape: [xs.length] });
const i64 = (xs: number[]): EngineTensor => ({ data: xs, dtype: "int64", shape: [xs.length] });

function makeModel(): TinyTrainableModel {
  const m = new TinyTrainableModel("test-base", {
    rank: 2,
    seed: 7,
    trainAttn: true,
    trainMlp: true,
    trainUnembed: true,
  });
  // B starts at zero, which would make every A-gradient zero; randomize so both are exercised.
  const r = seededRandom(99);
  for (const p of PLACEMENTS) {
    const ad = m.adapters[p];
    if (ad) for (let i = 0; i < ad.B.length; i++) ad.B[i] = (r() - 0.5) * 0.1;
  }
  return m;
}

function batch(fn: EngineLossFn): EngineDatum[] {
  const tokens = [256, 104, 105, 33, 10];
  const targets = [104, 105, 33, 10, 257];
  const inputs: Record<string, EngineTensor> = { target_tokens: i64(targets) };
  if (fn === "cross_entropy") inputs.weights = f32([0, 1, 1, 0.5, 1]);
  else {
    // Sampler logprobs near the model's so that PPO exercises both clipped and unclipped tokens.
    inputs.logprobs = f32([-5.6, -5.4, -6.0, -5.2, -5.8]);
    inputs.advantages = f32([1, -0.5, 2, -1, 0.7]);
  }
  return [{ tokens, lossFnInputs: inputs }];
}

describe("LoRA gradients match central finite differences", () => {
  for (const fn of ["cross_entropy", "importance_sampling", "ppo"] as const) {
    for (const p of PLACEMENTS) {
      it(`${fn} / ${p}`, () => {
        const m = makeModel();
        const b = batch(fn);
        m.forwardBackward(b, fn, null);
        const g = m.grads[p];
        const ad = m.adapters[p];
        if (!g || !ad) throw new Error("missing adapter");
        let checked = 0;
        for (const part of ["A", "B"] as const) {
          for (const i of [0, 3, Math.floor(ad[part].length / 2), ad[part].length - 1]) {
            const w = ad[part];
            const orig = w[i];
            const h = 1e-3;
            w[i] = orig + h;
            const up = m.forward(b, fn, null).metrics["loss:sum"];
            w[i] = orig - h;
            const down = m.forward(b, fn, null).metrics["loss:sum"];
            w[i] = orig;
            const fd = (up - down) / (Math.fround(orig + h) - Math.fround(orig - h));
            expect(Math.abs(g[part][i] - fd)).toBeLessThan(2e-3 + 2e-2 * Math.abs(fd));
            checked++;
          }
        }
        expect(checked).toBe(8);
        const total = [...g.A, ...g.B].reduce((s, x) => s + Math.abs(x), 0);
        expect(total).toBeGreaterThan(0);
      });
    }
  }
});
