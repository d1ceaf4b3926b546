/**
 * The tiny model behind real model names: ids of a real tokenizer's range are folded in, byte ids
 * train exactly as on the plain tiny model, out-of-vocabulary ids fail the request, and a sampled
 * stop bucket comes back as the stop token.
 */
import { describe, expect, it } from "vitest";
import type { EngineDatum, EngineSamplingParams } from "../../../src/emulator/engine.js";
import { FutureFailure } from "../../../src/emulator/futures-store.js";
import { HashedVocabModel, HashedVocabSampler } from "../../../src/emulator/model/hashed-vocab.js";
import { createTinyEngine } from "../../../src/emulator/model/index.js";
import { TinyTrainableModel } from "../../../src/emulator/model/trainable.js";

const spec = { rank: 4, seed: 3, trainMlp: true, trainAttn: true, trainUnembed: true };
const adam = { learningRate: 2e-2, beta1: 0.9, beta2: 0.95, eps: 1e-8 };

function datum(tokens: number[]): EngineDatum {
  const targets = tokens.slice(1);
  return {
    tokens: tokens.slice(0, -1),
    lossFnInputs: {
      target_tokens: { data: targets, dtype: "int64", shape: [targets.length] },
      weights: { data: targets.map(() => 1), dtype: "float32", shape: [targets.length] },
    },
  };
}

describe("HashedVocabModel", () => {
  it("is the registry's model for real names only", () => {
    const engine = createTinyEngine();
    expect(engine.createModel("Qwen/Qwen3-8B", spec)).toBeInstanceOf(HashedVocabModel);
    expect(engine.createModel("meta-llama/Llama-3.2-1B", spec)).toBeInstanceOf(HashedVocabModel);
    expect(engine.createModel("tinker-ts/tiny-lm", spec)).toBeInstanceOf(TinyTrainableModel);
    expect(engine.createSampler("Qwen/Qwen3-8B", null)).toBeInstanceOf(HashedVocabSampler);
  });

  it("computes byte ids exactly as the plain tiny model", () => {
    const plain = new TinyTrainableModel("Qwen/Qwen3-8B", spec);
    const hashed = new HashedVocabModel(new TinyTrainableModel("Qwen/Qwen3-8B", spec), 151_936);
    const batch = [datum([256, 72, 105, 33, 257])];
    for (let i = 0; i < 3; i++) {
      expect(hashed.forwardBackward(batch, "cross_entropy", null)).toEqual(
        plain.forwardBackward(batch, "cross_entropy", null),
      );
      plain.optimStep(adam);
      hashed.optimStep(adam);
    }
  });

  it("trains on ids of a 151k vocabulary: the loss falls", () => {
    const m = new HashedVocabModel(new TinyTrainableModel("Qwen/Qwen3-8B", spec), 151_936);
    const batch = [
      datum([151_644, 872, 198, 9707, 0, 151_645, 198, 151_644, 77_091, 198, 13_048, 0, 151_645]),
    ];
    const loss = () => m.forward(batch, "cross_entropy", null).metrics["loss:sum"] as number;
    const before = loss();
    for (let i = 0; i < 10; i++) {
      m.forwardBackward(batch, "cross_entropy", null);
      m.optimStep(adam);
    }
    expect(loss()).toBeLessThan(before * 0.5);
    // Every position has a target: nothing was skipped as out of vocabulary.
    expect(before).toBeGreaterThan(12 * 3);
  });

  it("fails the request on an id outside the declared vocabulary", () => {
    const m = new HashedVocabModel(new TinyTrainableModel("Qwen/Qwen3-8B", spec), 1000);
    expect(() => m.forward([datum([1, 2, 1000])], "cross_entropy", null)).toThrow(FutureFailure);
    expect(() => m.forward([datum([1000, 2, 3])], "cross_entropy", null)).toThrow(
      /outside the vocabulary of 1000/,
    );
  });
});

describe("HashedVocabSampler", () => {
  it("ends on the real stop token when its bucket is sampled", () => {
    const sampler = createTinyEngine().createSampler("Qwen/Qwen3-8B", null);
    const params: EngineSamplingParams = {
      maxTokens: 64,
      temperature: 1,
      topK: 0,
      topP: 1,
      seed: 7,
      stop: [],
    };
    const free = sampler.sample([151_644, 872], 1, params, { promptLogprobs: false, topkPromptLogprobs: 0 });
    const tokens = free.sequences[0]?.tokens ?? [];
    expect(tokens.every((t) => t < 258)).toBe(true);
    // Stop on whatever bucket came third; the answer must end with the real stop id instead.
    const stopId = (tokens[2] as number) + 258 * 500;
    const out = sampler.sample(
      [151_644, 872],
      1,
      { ...params, stop: [stopId] },
      {
        promptLogprobs: true,
        topkPromptLogprobs: 0,
      },
    );
    const seq = out.sequences[0];
    expect(seq?.stopReason).toBe("stop");
    expect(seq?.tokens.at(-1)).toBe(stopId);
    expect(seq?.tokens.length).toBeLessThanOrEqual(3);
    expect(out.promptLogprobs).toHaveLength(2);
  });
});
