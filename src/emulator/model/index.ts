/**
 * The emulator's tiny causal language model, behind the `EngineFactory` interface.
 */
import type { EngineFactory, EngineLoraSpec, EngineSampler, EngineTrainableModel } from "../engine.js";
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

/** Creates the tiny byte-level model engine. */
export function createTinyEngine(options?: TinyEngineOptions): EngineFactory {
  return {
    supportedModels: options?.supportedModels ?? DEFAULT_MODELS,
    createModel(baseModel: string, lora: EngineLoraSpec): EngineTrainableModel {
      return new TinyTrainableModel(baseModel, lora);
    },
    createSampler(baseModel: string, weights: Uint8Array | null): EngineSampler {
      return new TinySampler(makeBase(baseModel), weights ? decodeAdapters(weights).adapters : {});
    },
    vocabSize: () => VOCAB,
    encode: encodeBytes,
    decode: decodeBytes,
  };
}
