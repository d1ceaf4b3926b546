/** DPO: the loss and its gradient against hand-computed values and finite differences, the pair
 * datasets, and the example's preference margin growing on the emulator. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { digitComparisons, trainDigitDpo } from "../../examples/dpo.js";
import { byteRenderer, EOS } from "../../examples/support/byte-renderer.js";
import { type Datum, ModelInput, TensorData } from "../../src/index.js";
import { useEmulatorService } from "../support/emulator-service.js";
import {
  ComparisonDataset,
  comparisonToData,
  computeDpoLoss,
  dpoLossFn,
  type LabeledComparison,
  swapLabeled,
} from "../../src/preference/index.js";

describe("computeDpoLoss", () => {
  it("matches a hand-computed pair", () => {
    // Δc = −1 − (−1.5) = 0.5, Δr = −2 − (−1.5) = −0.5, z = 0.5·(0.5 + 0.5) = 0.5
    const r = computeDpoLoss([-1], [-2], [-1.5], [-1.5], 0.5);
    expect(r.loss).toBeCloseTo(Math.log(1 + Math.exp(-0.5)), 12);
    const g = 0.5 / (1 + Math.exp(0.5)); // β·σ(−z)
    expect(r.dChosen[0]).toBeCloseTo(-g, 12);
    expect(r.dRejected[0]).toBeCloseTo(g, 12);
    expect(r.metrics).toMatchObject({
      accuracy: 1,
      margin: 0.5,
      chosen_reward: 0.25,
      rejected_reward: -0.25,
    });
  });

  it("is log 2 with zero gradient sum when policy equals reference", () => {
    const r = computeDpoLoss([-3, -1], [-2, -4], [-3, -1], [-2, -4], 0.1);
    expect(r.loss).toBeCloseTo(Math.LN2, 12);
    expect(r.metrics.margin).toBe(0);
    expect(r.metrics.accuracy).toBe(0);
  });
});

describe("dpoLossFn gradient", () => {
  const pair = (chosen: number[], rejected: number[], w: number[]): Datum[] =>
    [chosen, rejected].map((t) => ({
      model_input: ModelInput.fromInts(t.slice(0, -1)),
      loss_fn_inputs: {
        target_tokens: TensorData.fromArray(t.slice(1), "int64"),
        weights: TensorData.fromArray(w, "float32"),
      },
    }));

  it("equals central finite differences of the loss in every logprob (tolerance 1e-7)", async () => {
    const data = [...pair([1, 2, 3, 4], [1, 2, 5, 6], [0, 1, 1]), ...pair([7, 8, 9], [7, 8, 1], [1, 0.5])];
    const lp = [
      [-0.3, -1.2, -0.7],
      [-0.9, -0.4, -2.1],
      [-0.5, -1.5],
      [-0.2, -0.8],
    ];
    const ref = [
      [-0.4, -1.0, -0.9],
      [-0.6, -0.6, -1.7],
      [-0.7, -1.1],
      [-0.3, -0.5],
    ];
    const fn = dpoLossFn(ref, 0.7);
    const base = await fn(data, lp);
    for (let i = 0; i < lp.length; i++) {
      for (let t = 0; t < (lp[i] as number[]).length; t++) {
        const h = 1e-5;
        const bump = (d: number) => lp.map((row, a) => row.map((x, b) => (a === i && b === t ? x + d : x)));
        const fd = ((await fn(data, bump(h))).loss - (await fn(data, bump(-h))).loss) / (2 * h);
        expect(Math.abs(fd - ((base.grads[i] as ArrayLike<number>)[t] as number))).toBeLessThan(1e-7);
      }
    }
  });
});

describe("comparison datasets", () => {
  const lc: LabeledComparison = {
    comparison: {
      promptConversation: [{ role: "user", content: "q" }],
      completionA: [{ role: "assistant", content: "a" }],
      completionB: [{ role: "assistant", content: "bb" }],
    },
    label: "B",
  };

  it("turns a comparison into (chosen, rejected) datums weighted on the completion", () => {
    const [chosen, rejected] = comparisonToData(byteRenderer, lc);
    // "q" + "bb" + EOS: inputs q b b, targets b b EOS, loss on the completion's tokens
    expect(chosen?.model_input.toInts()).toEqual([113, 98, 98]);
    expect(chosen?.loss_fn_inputs.target_tokens?.toArray()).toEqual([98, 98, EOS]);
    expect(chosen?.loss_fn_inputs.weights?.toArray()).toEqual([1, 1, 1]);
    expect(rejected?.model_input.toInts()).toEqual([113, 97]);
    expect(comparisonToData(byteRenderer, { ...lc, label: "Tie" })).toEqual([]);
    const [chosenSwapped] = comparisonToData(byteRenderer, swapLabeled(lc));
    expect(chosenSwapped?.model_input.toInts()).toEqual(chosen?.model_input.toInts());
  });

  it("batches interleave chosen and rejected; epochs reshuffle reproducibly", () => {
    const ds = new ComparisonDataset(digitComparisons(), byteRenderer, 4);
    expect(ds.length).toBe(5);
    ds.setEpoch(1);
    const a = ds.getBatch(0).map((d) => d.model_input.toInts());
    ds.setEpoch(1);
    expect(ds.getBatch(0).map((d) => d.model_input.toInts())).toEqual(a);
    expect(a).toHaveLength(8);
    // Each pair shares its prompt (the first token).
    for (let i = 0; i < 8; i += 2) expect(a[i]?.[0]).toBe(a[i + 1]?.[0]);
  });
});

describe("DPO on the emulator", () => {
  const live = useEmulatorService();

  it("the preference margin starts at 0 (policy = reference) and grows past 1 within 3 epochs", async () => {
    const margins = await trainDigitDpo(live.service, "tinker-ts/tiny-lm", {
      epochs: 3,
      progress: false,
      logPath: mkdtempSync(join(tmpdir(), "dpo-test-")),
    });
    expect(margins).toHaveLength(12);
    expect(Math.abs(margins[0] as number)).toBeLessThan(1e-6);
    const tail = margins.slice(-3).reduce((a, b) => a + b, 0) / 3;
    expect(tail, margins.join(" ")).toBeGreaterThan(1);
  }, 60_000);
});
