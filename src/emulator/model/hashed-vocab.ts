/**
 * The tiny model behind a real model's name, taking that model's token ids.
 *
 * A real tokenizer's ids run to ~150k, far past the tiny model's 258-entry vocabulary, and a
 * 150k-wide output layer would make each step cost seconds. So ids are folded into the tiny model by
 * `id mod 258`, in the input embedding and the output layer alike: the model learns, and its loss
 * falls, on the folded sequence (a lower bound of the loss over the full vocabulary, since ids that
 * share a bucket share a logit). Ids below 258 are their own bucket, so byte-level data trains
 * exactly as on the plain tiny model. Sampled buckets come back as ids below 258, except that a
 * bucket of a stop token id comes back as that stop token, so generation still ends on it.
 */
import type {
  EngineAdamParams,
  EngineDatum,
  EngineForwardOutput,
  EngineLossFn,
  EngineSampleOutput,
  EngineSampler,
  EngineSamplingParams,
  EngineTensor,
  EngineTrainableModel,
} from "../engine.js";
import { FutureFailure } from "../futures-store.js";
import { VOCAB } from "./net.js";

/** The tiny model's id for a token id: ids below 258 are their own bucket. */
export function foldId(id: number): number {
  return id % VOCAB;
}

function foldAll(ids: ArrayLike<number>, vocabSize: number, field: string): number[] {
  const out = new Array<number>(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as number;
    // Negative targets mean "no target" to the tiny model; keep them so.
    if (id >= vocabSize) {
      throw new FutureFailure(`${field}: token id ${id} is outside the vocabulary of ${vocabSize}`, "user");
    }
    out[i] = id < 0 ? id : foldId(id);
  }
  return out;
}

function foldDatum(d: EngineDatum, vocabSize: number): EngineDatum {
  const targets = d.lossFnInputs.target_tokens;
  const lossFnInputs: Record<string, EngineTensor> = { ...d.lossFnInputs };
  if (targets)
    lossFnInputs.target_tokens = { ...targets, data: foldAll(targets.data, vocabSize, "target_tokens") };
  return { tokens: foldAll(d.tokens, vocabSize, "model_input"), lossFnInputs };
}

/** A trainable model over ids `0 … vocabSize-1`, computed by `inner` on folded ids. */
export class HashedVocabModel implements EngineTrainableModel {
  constructor(
    readonly inner: EngineTrainableModel,
    readonly vocabSize: number,
  ) {}

  get baseModel() {
    return this.inner.baseModel;
  }

  get lora() {
    return this.inner.lora;
  }

  forward(
    batch: readonly EngineDatum[],
    fn: EngineLossFn,
    cfg: Readonly<Record<string, number>> | null,
  ): EngineForwardOutput {
    return this.inner.forward(
      batch.map((d) => foldDatum(d, this.vocabSize)),
      fn,
      cfg,
    );
  }

  forwardBackward(
    batch: readonly EngineDatum[],
    fn: EngineLossFn,
    cfg: Readonly<Record<string, number>> | null,
  ): EngineForwardOutput {
    return this.inner.forwardBackward(
      batch.map((d) => foldDatum(d, this.vocabSize)),
      fn,
      cfg,
    );
  }

  // The async forms let the inner model yield to the event loop between pieces of work.
  forwardAsync(
    batch: readonly EngineDatum[],
    fn: EngineLossFn,
    cfg: Readonly<Record<string, number>> | null,
  ): Promise<EngineForwardOutput> {
    const folded = batch.map((d) => foldDatum(d, this.vocabSize));
    return this.inner.forwardAsync?.(folded, fn, cfg) ?? Promise.resolve(this.inner.forward(folded, fn, cfg));
  }

  forwardBackwardAsync(
    batch: readonly EngineDatum[],
    fn: EngineLossFn,
    cfg: Readonly<Record<string, number>> | null,
  ): Promise<EngineForwardOutput> {
    const folded = batch.map((d) => foldDatum(d, this.vocabSize));
    return (
      this.inner.forwardBackwardAsync?.(folded, fn, cfg) ??
      Promise.resolve(this.inner.forwardBackward(folded, fn, cfg))
    );
  }

  optimStep(p: EngineAdamParams): Readonly<Record<string, number>> {
    return this.inner.optimStep(p);
  }

  saveState(): Uint8Array {
    return this.inner.saveState();
  }

  loadState(state: Uint8Array, options?: { readonly weightsOnly?: boolean }): void {
    this.inner.loadState(state, options);
  }

  saveSamplerWeights(): Uint8Array {
    return this.inner.saveSamplerWeights();
  }

  snapshotSampler(): EngineSampler {
    return new HashedVocabSampler(this.inner.snapshotSampler(), this.vocabSize);
  }
}

/** A sampler taking prompts and stop ids of the declared vocabulary (see the file comment). */
export class HashedVocabSampler implements EngineSampler {
  constructor(
    readonly inner: EngineSampler,
    readonly vocabSize: number,
  ) {}

  sample(
    prompt: readonly number[],
    numSamples: number,
    params: EngineSamplingParams,
    options: { readonly promptLogprobs: boolean; readonly topkPromptLogprobs: number },
  ): EngineSampleOutput {
    // The bucket of each stop id answers as that id; the first stop id of a bucket wins.
    const stopOfBucket = new Map<number, number>();
    const stop = params.stop.map((s) => {
      if (typeof s !== "number") return s;
      const b = foldId(s);
      if (!stopOfBucket.has(b)) stopOfBucket.set(b, s);
      return b;
    }) as string[] | number[];
    const out = this.inner.sample(
      foldAll(prompt, this.vocabSize, "prompt"),
      numSamples,
      { ...params, stop },
      options,
    );
    for (const seq of out.sequences) {
      const last = seq.tokens.length - 1;
      const real = stopOfBucket.get(seq.tokens[last] as number);
      if (seq.stopReason === "stop" && real !== undefined) seq.tokens[last] = real;
    }
    return out;
  }
}
