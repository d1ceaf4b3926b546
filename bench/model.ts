/**
 * The emulator's tiny model: one forward_backward + optim_step on 8 sequences of 128 tokens at rank
 * 8 (target: well under 50 ms on 2 cores), and sampling speed. Used by bench/run.ts; run alone with
 * `npx tsx bench/model.ts`.
 */
import { performance } from "node:perf_hooks";
import type { EngineDatum } from "../src/emulator/engine.js";
import { createTinyEngine } from "../src/emulator/model/index.js";

/** One measurement of the model. */
export interface ModelFigures {
  msPerStep: number;
  sampleTokensPerSec: number;
}

/** Times `steps` training steps (after 3 warm-up steps) and a `sampleTokens`-token generation. */
export function measureModel(steps = 20, sampleTokens = 4000): ModelFigures {
  const eng = createTinyEngine();
  const model = eng.createModel("tinker-ts/tiny-lm", {
    rank: 8,
    seed: 0,
    trainAttn: true,
    trainMlp: true,
    trainUnembed: true,
  });
  const text = "The quick brown fox jumps over the lazy dog. ".repeat(4);
  const batch: EngineDatum[] = Array.from({ length: 8 }, (_, i) => {
    const toks = eng.encode(text.slice(i, i + 129));
    return {
      tokens: toks.slice(0, 128),
      lossFnInputs: {
        target_tokens: { data: toks.slice(1, 129), dtype: "int64", shape: [128] },
        weights: { data: new Array(128).fill(1), dtype: "float32", shape: [128] },
      },
    };
  });
  const adam = { learningRate: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
  for (let i = 0; i < 3; i++) {
    model.forwardBackward(batch, "cross_entropy", null);
    model.optimStep(adam);
  }
  let t0 = performance.now();
  for (let i = 0; i < steps; i++) {
    model.forwardBackward(batch, "cross_entropy", null);
    model.optimStep(adam);
  }
  const msPerStep = (performance.now() - t0) / steps;
  const sampler = model.snapshotSampler();
  t0 = performance.now();
  sampler.sample(
    eng.encode("Hello"),
    1,
    { maxTokens: sampleTokens, temperature: 1, topK: -1, topP: 1, seed: 1, stop: [] },
    { promptLogprobs: false, topkPromptLogprobs: 0 },
  );
  return { msPerStep, sampleTokensPerSec: sampleTokens / ((performance.now() - t0) / 1000) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const f = measureModel();
  console.log(`fwd+bwd+adam, 8x128 tokens, rank 8: ${f.msPerStep.toFixed(2)} ms/step`);
  console.log(`sampling: ${f.sampleTokensPerSec.toFixed(0)} tokens/s`);
}
