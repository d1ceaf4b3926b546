/**
 * The emulator's cross_entropy, importance_sampling and ppo gradients, checked two independent ways:
 * against an autograd library (TensorFlow.js on its pure-JS CPU backend, float32) that re-implements
 * the tiny model's forward pass and the three losses, on every adapter entry; and against central
 * finite differences of the emulator's own float64 forward pass, with the float32 step actually taken.
 *
 * Tolerances: autograd |Δ| ≤ 2e-3·max|g| + 1e-6 (float32 accumulation); finite differences
 * |Δ| ≤ 1e-4·max|g| + 1e-7 (central differences with h ≈ 1e-3 on a smooth float64 loss).
 */
import "@tensorflow/tfjs-backend-cpu";
import * as tf from "@tensorflow/tfjs-core";
// tfjs-core registers gradients only on request (the union package does it for you).
import "@tensorflow/tfjs-core/dist/register_all_gradients";
import { beforeAll, describe, expect, it } from "vitest";
import type { EngineDatum, EngineLossFn, EngineTensor } from "../../../src/emulator/engine.js";
import { D, loraScale, PLACEMENTS, type Placement, VOCAB } from "../../../src/emulator/model/net.js";
import { TinyTrainableModel } from "../../../src/emulator/model/trainable.js";
import { seededRandom } from "../../../src/lib/seeded-random.js";

const f32 = (xs: number[]): EngineTensor => ({ data: xs, dtype: "float32", shape: [xs.length] });
const i64 = (xs: number[]): EngineTensor => ({ data: xs, dtype: "int64", shape: [xs.length] });
const CLIP = { clip_low_threshold: 0.8, clip_high_threshold: 1.2 };
const TOKENS = [256, 104, 105, 33, 10, 50];
const TARGETS = [104, 105, 33, 10, 50, 257];

function makeModel(): TinyTrainableModel {
  const m = new TinyTrainableModel("gradcheck-base", {
    rank: 3,
    seed: 5,
    trainAttn: true,
    trainMlp: true,
    trainUnembed: true,
  });
  // B starts at zero, which makes every A-gradient zero; random B exercises both factors.
  const r = seededRandom(17);
  for (const p of PLACEMENTS) {
    const ad = m.adapters[p];
    if (ad) for (let i = 0; i < ad.B.length; i++) ad.B[i] = (r() - 0.5) * 0.2;
  }
  return m;
}

/** The datum for `fn`; for the RL losses the sampler logprobs are set from the model's own logprobs
 * so that the ratios are chosen: PPO sees unclipped, clipped-above and clipped-below tokens. */
function makeBatch(m: TinyTrainableModel, fn: EngineLossFn): EngineDatum[] {
  const inputs: Record<string, EngineTensor> = { target_tokens: i64(TARGETS) };
  if (fn === "cross_entropy") {
    inputs.weights = f32([0, 1, 1, 0.5, 1, 2]);
    return [{ tokens: TOKENS, lossFnInputs: inputs }];
  }
  const probe = m.forward(
    [{ tokens: TOKENS, lossFnInputs: { target_tokens: i64(TARGETS) } }],
    "cross_entropy",
    null,
  );
  const logp = Array.from(probe.lossFnOutputs[0]?.logprobs.data ?? []);
  // ratio r = exp(logp − q) and advantage a per token; with clip [0.8, 1.2]:
  //   r=0.5,a>0 unclipped; r=1.5,a>0 clipped (no gradient); r=1.5,a<0 unclipped;
  //   r=0.5,a<0 clipped; r=1.0 inside; r=0.9,a<0 inside.
  const ratios = [0.5, 1.5, 1.5, 0.5, 1.0, 0.9];
  inputs.advantages = f32([1, 0.7, -0.8, -1.2, 0.5, -0.3]);
  inputs.logprobs = f32(logp.map((lp, i) => lp - Math.log(ratios[i] as number)));
  return [{ tokens: TOKENS, lossFnInputs: inputs }];
}

/** The loss of `batch` under the model's adapters, as TensorFlow.js computes it (sum over tokens). */
function tfLoss(
  m: TinyTrainableModel,
  datum: EngineDatum,
  fn: EngineLossFn,
  vars: Record<Placement, { A: tf.Tensor2D; B: tf.Tensor2D }>,
): tf.Scalar {
  const { E, Wa, W1, W2, U } = m.base;
  const n = datum.tokens.length;
  const emb = tf.tensor2d(E, [VOCAB, D]);
  const oneHot = (ids: number[]) =>
    tf.cast(tf.oneHot(tf.tensor1d(ids, "int32"), VOCAB), "float32") as tf.Tensor2D;
  const X0 = tf.matMul(oneHot([...datum.tokens]), emb);
  const prevIds = datum.tokens.map((_, t) => (t > 0 ? (datum.tokens[t - 1] as number) : -1));
  // A missing previous token embeds as zeros (oneHot of −1 is the zero row).
  const P = tf.matMul(oneHot(prevIds), emb) as tf.Tensor2D;
  const lora = (p: Placement, inp: tf.Tensor2D) => {
    const { A, B } = vars[p];
    const s = loraScale(m.lora.rank);
    return tf.mul(tf.matMul(tf.matMul(inp, A, false, true), B, false, true), s) as tf.Tensor2D;
  };
  const F = W1.length / D;
  const X = tf.add(
    tf.add(X0, tf.matMul(P, tf.tensor2d(Wa, [D, D]), false, true)) as tf.Tensor2D,
    lora("attn", P),
  ) as tf.Tensor2D;
  const PRE = tf.add(tf.matMul(X, tf.tensor2d(W1, [F, D]), false, true), lora("mlp", X)) as tf.Tensor2D;
  const Y = tf.add(X, tf.matMul(tf.relu(PRE), tf.tensor2d(W2, [D, F]), false, true)) as tf.Tensor2D;
  const Ueff = tf.add(
    tf.tensor2d(U, [VOCAB, D]),
    tf.mul(tf.matMul(vars.unembed.B, vars.unembed.A), loraScale(m.lora.rank)),
  );
  const Z = tf.matMul(Y, Ueff as tf.Tensor2D, false, true);
  const logp = tf.sum(
    tf.mul(tf.logSoftmax(Z), oneHot(Array.from(datum.lossFnInputs.target_tokens?.data ?? []))),
    1,
  );
  const get = (k: string) => tf.tensor1d(Array.from(datum.lossFnInputs[k]?.data ?? new Array(n).fill(0)));
  if (fn === "cross_entropy") return tf.neg(tf.sum(tf.mul(get("weights"), logp))) as tf.Scalar;
  const ratio = tf.exp(tf.sub(logp, get("logprobs")));
  const adv = get("advantages");
  if (fn === "importance_sampling") return tf.neg(tf.sum(tf.mul(ratio, adv))) as tf.Scalar;
  const clipped = tf.clipByValue(ratio, CLIP.clip_low_threshold, CLIP.clip_high_threshold);
  return tf.neg(tf.sum(tf.minimum(tf.mul(ratio, adv), tf.mul(clipped, adv)))) as tf.Scalar;
}

const maxAbs = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, x) => Math.max(a, Math.abs(x)), 0);

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("emulator loss gradients vs TensorFlow.js autograd (every entry)", () => {
  for (const fn of ["cross_entropy", "importance_sampling", "ppo"] as const) {
    it(fn, () => {
      const m = makeModel();
      const batch = makeBatch(m, fn);
      const cfg = fn === "ppo" ? CLIP : null;
      const out = m.forwardBackward(batch, fn, cfg);
      const datum = batch[0] as EngineDatum;
      const order = PLACEMENTS.flatMap((p) => {
        const ad = m.adapters[p];
        if (!ad) throw new Error(`no ${p} adapter`);
        return [
          { p, part: "A" as const, t: tf.tensor2d(ad.A, [ad.r, ad.inp]) },
          { p, part: "B" as const, t: tf.tensor2d(ad.B, [ad.out, ad.r]) },
        ];
      });
      const vs = order.map((o) => tf.variable(o.t, true, `${fn}-${o.p}-${o.part}`));
      const res = tf.variableGrads(() => {
        const vars = {} as Record<Placement, { A: tf.Tensor2D; B: tf.Tensor2D }>;
        order.forEach((o, i) => {
          const slot = vars[o.p] ?? ({} as { A: tf.Tensor2D; B: tf.Tensor2D });
          slot[o.part] = vs[i] as unknown as tf.Tensor2D;
          vars[o.p] = slot;
        });
        return tfLoss(m, datum, fn, vars);
      }, vs);
      const tfValue = res.value.dataSync()[0] as number;
      expect(tfValue).toBeCloseTo(out.metrics["loss:sum"] as number, 3);
      let entries = 0;
      order.forEach((o, i) => {
        const g = m.grads[o.p]?.[o.part];
        const tg = res.grads[(vs[i] as tf.Variable).name]?.dataSync();
        if (!g || !tg) throw new Error(`missing gradient for ${o.p}.${o.part}`);
        const tol = 2e-3 * Math.max(maxAbs(g), maxAbs(tg)) + 1e-6;
        for (let k = 0; k < g.length; k++)
          expect(Math.abs((g[k] as number) - (tg[k] as number))).toBeLessThanOrEqual(tol);
        entries += g.length;
        expect(maxAbs(g), `${o.p}.${o.part} gradient is not all zero`).toBeGreaterThan(0);
      });
      expect(entries).toBeGreaterThan(1000);
      for (const v of vs) v.dispose();
    });
  }
});

describe("emulator loss gradients vs central finite differences", () => {
  for (const fn of ["cross_entropy", "importance_sampling", "ppo"] as const) {
    it(fn, () => {
      const m = makeModel();
      const batch = makeBatch(m, fn);
      const cfg = fn === "ppo" ? CLIP : null;
      m.forwardBackward(batch, fn, cfg);
      const loss = () => m.forward(batch, fn, cfg).metrics["loss:sum"] as number;
      const rand = seededRandom(3);
      let checked = 0;
      for (const p of PLACEMENTS) {
        const ad = m.adapters[p];
        const g = m.grads[p];
        if (!ad || !g) throw new Error(`no ${p} adapter`);
        for (const part of ["A", "B"] as const) {
          const w = ad[part];
          const scale = maxAbs(g[part]);
          for (let j = 0; j < 8; j++) {
            const i = Math.floor(rand() * w.length);
            const orig = w[i] as number;
            w[i] = orig + 1e-3;
            const hUp = (w[i] as number) - orig; // the float32 step actually taken
            const up = loss();
            w[i] = orig - 1e-3;
            const hDown = orig - (w[i] as number);
            const down = loss();
            w[i] = orig;
            const fd = (up - down) / (hUp + hDown);
            expect(Math.abs(fd - (g[part][i] as number)), `${p}.${part}[${i}]`).toBeLessThanOrEqual(
              1e-4 * scale + 1e-7,
            );
            checked++;
          }
        }
      }
      expect(checked).toBe(48);
    });
  }

  it("ppo passes gradient only through unclipped tokens", () => {
    const m = makeModel();
    const batch = makeBatch(m, "ppo");
    const out = m.forward(batch, "ppo", CLIP);
    // Per-token losses: −r·a where unclipped, −clip(r)·a where the clipped term is the smaller objective.
    const ratios = [0.5, 1.5, 1.5, 0.5, 1.0, 0.9];
    const adv = [1, 0.7, -0.8, -1.2, 0.5, -0.3];
    const expected = ratios.map((r, i) => {
      const a = adv[i] as number;
      return -Math.min(r * a, Math.min(Math.max(r, 0.8), 1.2) * a);
    });
    const got = Array.from(out.lossFnOutputs[0]?.elementwise_loss.data ?? []);
    got.forEach((x, i) => {
      expect(x).toBeCloseTo(expected[i] as number, 5);
    });
  });
});
