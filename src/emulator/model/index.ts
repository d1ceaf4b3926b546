/**
 * The emulator's tiny causal language model, behind the `EngineFactory` interface.
 */
import type { EngineFactory, EngineLoraSpec, EngineSampler, EngineTrainableModel } from "../engine.js";
import { HashedVocabModel, HashedVocabSampler } from "./hashed-vocab.js";
import { makeBase, VOCAB } from "./net.js";
import { TinySampler } from "./sampler.js";
import { decodeAdapters } from "./serialize.js";
import { decodeBytes, encodeBytes } from "./tokenizer.js";
import { TinyTrainableModel } from "./trainable.js";

export { BOS, EOS } from "./tokenizer.js";

/** Options of the tiny engine. */
export interface TinyEngineOptions {
  /** Base model names to advertise; any name still works (weights are seeded from the name). */
  readonly supportedModels?: readonly string[];
}

/** The emulator's own model first; real names stay accepted so scripts written for Tinker run unchanged. */
const DEFAULT_MODELS = [
  "tinker-ts/tiny-lm",
  "Qwen/Qwen3-8B",
  "Qwen/Qwen3-30B-A3B",
  "meta-llama/Llama-3.2-1B",
];

/**
 * Real model names take their real tokenizer's ids (vocabulary sizes of their configs), folded into
 * the tiny model (see `hashed-vocab.ts`), so a renderer's tokens train here as they would there.
 */
const DECLARED_VOCAB: Readonly<Record<string, number>> = {
  "Qwen/Qwen3-8B": 151_936,
  "Qwen/Qwen3-30B-A3B": 151_936,
  "meta-llama/Llama-3.2-1B": 128_256,
};

/** Creates the tiny byte-level model engine. */
export function createTinyEngine(options?: TinyEngineOptions): EngineFactory {
  return {
    supportedModels: options?.supportedModels ?? DEFAULT_MODELS,
    createModel(baseModel: string, lora: EngineLoraSpec): EngineTrainableModel {
      const model = new TinyTrainableModel(baseModel, lora);
      const vocab = DECLARED_VOCAB[baseModel];
      return vocab === undefined ? model : new HashedVocabModel(model, vocab);
    },
    createSampler(baseModel: string, weights: Uint8Array | null): EngineSampler {
      const sampler = new TinySampler(makeBase(baseModel), weights ? decodeAdapters(weights).adapters : {});
      const vocab = DECLARED_VOCAB[baseModel];
      return vocab === undefined ? sampler : new HashedVocabSampler(sampler, vocab);
    },
    vocabSize: (baseModel: string) => DECLARED_VOCAB[baseModel] ?? VOCAB,
    encode: encodeBytes,
    decode: decodeBytes,
  };
}
