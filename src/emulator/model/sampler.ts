/**
 * Sampling from frozen weights: temperature, top-k, top-p, seeds, stop strings/ids, logprobs.
 */
import type {
  EngineSampleOptions,
  EngineSampledSequence,
  EngineSampleOutput,
  EngineSampler,
  EngineSamplingParams,
} from "../engine.js";
import { type Adapters, type BaseWeights, forwardRows, logSoftmax, type Prepared, prepare } from "./net.js";
import { seededRandom } from "../../lib/seeded-random.js";
import { decodeBytes } from "./tokenizer.js";
import { drain, drive } from "../yielding.js";

/** Picks a token from log-probabilities under the sampling parameters. */
export function pickToken(lp: Float64Array, p: EngineSamplingParams, rand: () => number): number {
  let best = 0;
  for (let i = 1; i < lp.length; i++) if (lp[i] > lp[best]) best = i;
  if (p.temperature <= 0 || p.topK === 1) return best;
  const idx = Array.from(lp.keys()).sort((a, b) => lp[b] - lp[a]);
  const k = p.topK > 0 ? Math.min(p.topK, idx.length) : idx.length;
  const cand = idx.slice(0, k);
  const w = cand.map((i) => Math.exp((lp[i] - lp[best]) / p.temperature));
  const z = w.reduce((a, b) => a + b, 0);
  let keep = cand.length;
  if (p.topP > 0 && p.topP < 1) {
    let c = 0;
    for (let j = 0; j < cand.length; j++) {
      c += w[j] / z;
      if (c >= p.topP) {
        keep = j + 1;
        break;
      }
    }
  }
  const zk = w.slice(0, keep).reduce((a, b) => a + b, 0);
  let u = rand() * zk;
  for (let j = 0; j < keep; j++) {
    u -= w[j];
    if (u <= 0) return cand[j];
  }
  return cand[keep - 1];
}

/** A frozen tiny model that generates. */
export class TinySampler implements EngineSampler {
  readonly #weights: Prepared;

  constructor(base: BaseWeights, adapters: Adapters) {
    this.#weights = prepare(base, adapters);
  }

  private logprobsAfter(tok: number, prev: number): Float64Array {
    return logSoftmax(forwardRows(this.#weights, [tok], [prev]).Z);
  }

  /** Generates `numSamples` continuations of `prompt`. */
  sample(
    prompt: readonly number[],
    numSamples: number,
    params: EngineSamplingParams,
    options: EngineSampleOptions,
  ): EngineSampleOutput {
    return drain(this.steps(prompt, numSamples, params, options));
  }

  /** {@link sample}, yielding to the event loop every few milliseconds. */
  sampleAsync(
    prompt: readonly number[],
    numSamples: number,
    params: EngineSamplingParams,
    options: EngineSampleOptions,
  ): Promise<EngineSampleOutput> {
    return drive(this.steps(prompt, numSamples, params, options));
  }

  // The work of `sample`, yielding after each token so a driver can let the event loop turn.
  private *steps(
    prompt: readonly number[],
    numSamples: number,
    params: EngineSamplingParams,
    options: EngineSampleOptions,
  ): Generator<void, EngineSampleOutput> {
    const rand = seededRandom(params.seed ?? Math.floor(Math.random() * 2 ** 32));
    const stopStrings = params.stop.filter((s): s is string => typeof s === "string");
    const stopIds = new Set(params.stop.filter((s): s is number => typeof s === "number"));
    const sequences: EngineSampledSequence[] = [];
    for (let s = 0; s < numSamples; s++) {
      const tokens: number[] = [];
      const logprobs: number[] = [];
      let stopReason: "length" | "stop" = "length";
      let tok = prompt.length > 0 ? prompt[prompt.length - 1] : 256;
      let prev = prompt.length > 1 ? prompt[prompt.length - 2] : -1;
      while (tokens.length < params.maxTokens) {
        const lp = this.logprobsAfter(tok, prev);
        const next = pickToken(lp, params, rand);
        tokens.push(next);
        logprobs.push(lp[next]);
        if (
          stopIds.has(next) ||
          (stopStrings.length > 0 && stopStrings.some((x) => decodeBytes(tokens).includes(x)))
        ) {
          stopReason = "stop";
          break;
        }
        prev = tok;
        tok = next;
        yield;
      }
      sequences.push({ tokens, logprobs, stopReason });
    }
    const out: {
      sequences: EngineSampledSequence[];
      promptLogprobs?: Array<number | null>;
      topkPromptLogprobs?: Array<Array<[number, number]> | null>;
    } = { sequences };
    const k = options.topkPromptLogprobs;
    if (options.promptLogprobs || k > 0) {
      const pl: Array<number | null> = [null];
      const tk: Array<Array<[number, number]> | null> = [null];
      for (let t = 1; t < prompt.length; t++) {
        const lp = this.logprobsAfter(prompt[t - 1], t > 1 ? prompt[t - 2] : -1);
        pl.push(lp[prompt[t]]);
        if (k > 0) {
          const idx = Array.from(lp.keys())
            .sort((a, b) => lp[b] - lp[a])
            .slice(0, k);
          tk.push(idx.map((i): [number, number] => [i, lp[i]]));
        }
        yield;
      }
      if (options.promptLogprobs) out.promptLogprobs = pl;
      if (k > 0) out.topkPromptLogprobs = tk;
    }
    return out;
  }
}
