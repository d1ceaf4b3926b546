/**
 * The contract between the emulator's HTTP layer and the model that computes behind it.
 *
 * The routes translate wire JSON into these plain structures and back, so the model never sees
 * HTTP or wire encoding, and the server can be tested with any engine.
 */

/** A tensor as it travels inside the emulator: flat data plus its shape. */
export interface EngineTensor {
  readonly data: ArrayLike<number>;
  readonly dtype: "int64" | "float32";
  readonly shape: readonly number[];
}

/** One training example: the input tokens and the loss function's named inputs. */
export interface EngineDatum {
  readonly tokens: readonly number[];
  readonly lossFnInputs: Readonly<Record<string, EngineTensor>>;
}

/** The built-in losses of Tinker 0.4.1. */
export type EngineLossFn = "cross_entropy" | "importance_sampling" | "ppo";

/** What a LoRA training client asks for at `create_model`. */
export interface EngineLoraSpec {
  readonly rank: number;
  readonly seed: number | null;
  readonly trainMlp: boolean;
  readonly trainAttn: boolean;
  readonly trainUnembed: boolean;
}

/** Result of a forward (or forward+backward) pass over a batch. */
export interface EngineForwardOutput {
  /** Per datum, the loss function's outputs (e.g. `logprobs`, `elementwise_loss`). */
  readonly lossFnOutputs: ReadonlyArray<Readonly<Record<string, EngineTensor>>>;
  /** Metrics with their reduction suffix, e.g. `loss:sum`. */
  readonly metrics: Readonly<Record<string, number>>;
}

/** Adam settings of one `optim_step`, already defaulted from the request's `AdamParams`. */
export interface EngineAdamParams {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
}

/** Sampling settings of one `asample`, already defaulted from the request's `SamplingParams`. */
export interface EngineSamplingParams {
  readonly maxTokens: number;
  readonly temperature: number;
  readonly topK: number;
  readonly topP: number;
  readonly seed: number | null;
  /** Stop strings (matched on decoded bytes) or stop token ids. */
  readonly stop: readonly string[] | readonly number[];
}

/** One generated sequence with the logprob of each generated token. */
export interface EngineSampledSequence {
  readonly tokens: number[];
  readonly logprobs: number[];
  readonly stopReason: "length" | "stop";
}

/** Everything one `asample` produces. */
export interface EngineSampleOutput {
  readonly sequences: EngineSampledSequence[];
  /** One entry per prompt token; the first is null (nothing precedes it). */
  readonly promptLogprobs?: Array<number | null>;
  /** Per prompt token, up to k `[tokenId, logprob]` pairs; the first entry is null. */
  readonly topkPromptLogprobs?: Array<Array<[number, number]> | null>;
}

/** Options of one `sample` call. */
export interface EngineSampleOptions {
  readonly promptLogprobs: boolean;
  readonly topkPromptLogprobs: number;
}

/** A frozen set of weights that can generate text. */
export interface EngineSampler {
  /** Generates `numSamples` continuations of `prompt`; deterministic when `params.seed` is set. */
  sample(
    prompt: readonly number[],
    numSamples: number,
    params: EngineSamplingParams,
    options: EngineSampleOptions,
  ): EngineSampleOutput;
  /**
   * The same as `sample`, yielding to the event loop every few milliseconds so that long work does
   * not stall other clients; the emulator prefers it when present.
   */
  sampleAsync?(
    prompt: readonly number[],
    numSamples: number,
    params: EngineSamplingParams,
    options: EngineSampleOptions,
  ): Promise<EngineSampleOutput>;
}

/** A base model with trainable LoRA adapters and its optimizer state. */
export interface EngineTrainableModel {
  readonly baseModel: string;
  readonly lora: EngineLoraSpec;
  /** Per-token outputs and loss metrics without touching gradients. */
  forward(
    batch: readonly EngineDatum[],
    lossFn: EngineLossFn,
    lossFnConfig: Readonly<Record<string, number>> | null,
  ): EngineForwardOutput;
  /** Forward, then accumulate gradients for the next `optimStep`. */
  forwardBackward(
    batch: readonly EngineDatum[],
    lossFn: EngineLossFn,
    lossFnConfig: Readonly<Record<string, number>> | null,
  ): EngineForwardOutput;
  /** `forward` that yields to the event loop every few milliseconds (preferred when present). */
  forwardAsync?(
    batch: readonly EngineDatum[],
    lossFn: EngineLossFn,
    lossFnConfig: Readonly<Record<string, number>> | null,
  ): Promise<EngineForwardOutput>;
  /** `forwardBackward` that yields to the event loop every few milliseconds (preferred when present). */
  forwardBackwardAsync?(
    batch: readonly EngineDatum[],
    lossFn: EngineLossFn,
    lossFnConfig: Readonly<Record<string, number>> | null,
  ): Promise<EngineForwardOutput>;
  /** Applies Adam to the accumulated gradients, then clears them. Returns metrics. */
  optimStep(params: EngineAdamParams): Readonly<Record<string, number>>;
  /** Weights and optimizer state, for `save_weights`. */
  saveState(): Uint8Array;
  /** Restores what `saveState` produced (optimizer state too unless `weightsOnly`). */
  loadState(state: Uint8Array, options?: { readonly weightsOnly?: boolean }): void;
  /** The current weights alone, for `save_weights_for_sampler`. */
  saveSamplerWeights(): Uint8Array;
  /** A sampler over the current weights (a snapshot: later training does not change it). */
  snapshotSampler(): EngineSampler;
}

/** Creates models; the emulator holds one factory. */
export interface EngineFactory {
  /** The base model names the emulator advertises in `get_server_capabilities`. */
  readonly supportedModels: readonly string[];
  /** A fresh trainable model: the named base with new LoRA adapters. */
  createModel(baseModel: string, lora: EngineLoraSpec): EngineTrainableModel;
  /** A sampler from saved sampler weights, or of the base model alone when `weights` is null. */
  createSampler(baseModel: string, weights: Uint8Array | null): EngineSampler;
  /** Vocabulary size of a base model: token ids must be below it (unchecked when absent). */
  vocabSize?(baseModel: string): number;
  /** Encodes and decodes text for the emulator's own models (byte-level). */
  encode(text: string): number[];
  /** Inverse of `encode`. */
  decode(tokens: readonly number[]): string;
}
