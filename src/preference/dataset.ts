/**
 * Pairwise comparison datasets for DPO (cookbook `DPODatasetBuilderFromComparisons`): each labeled
 * comparison becomes a (chosen, rejected) pair of datums, interleaved in the batch so the loss can
 * pair them by index; ties carry no preference and are skipped.
 */
import type { Renderer } from "../renderers/types.js";
import type { Datum } from "../types/datum.js";
import { ModelInput } from "../types/model-input.js";
import { TensorData } from "../types/tensor-data.js";
import type { LabeledComparison } from "./types.js";

/** A supervised datum from a whole sequence and its per-token weights: inputs shifted right, targets left. */
export function datumFromTokensWeights(
  tokens: readonly number[],
  weights: readonly number[],
  maxLength?: number,
): Datum {
  if (tokens.length !== weights.length)
    throw new RangeError(`${tokens.length} tokens but ${weights.length} weights`);
  const t = maxLength === undefined ? tokens : tokens.slice(0, maxLength);
  const w = maxLength === undefined ? weights : weights.slice(0, maxLength);
  if (t.length < 2) throw new RangeError("a datum needs at least two tokens");
  const n = t.length - 1;
  return {
    model_input: ModelInput.fromInts(t.slice(0, n)),
    loss_fn_inputs: {
      target_tokens: TensorData.fromArray(t.slice(1), "int64", [n]),
      weights: TensorData.fromArray(w.slice(1), "float32", [n]),
    },
  };
}

/** The (chosen, rejected) datums of a comparison, or none for a tie. */
export function comparisonToData(
  renderer: Renderer,
  labeled: LabeledComparison,
  maxLength?: number,
): Datum[] {
  if (labeled.label === "Tie") return [];
  const { promptConversation, completionA, completionB } = labeled.comparison;
  const [chosen, rejected] = labeled.label === "A" ? [completionA, completionB] : [completionB, completionA];
  return [chosen, rejected].map((completion) => {
    const ex = renderer.buildSupervisedExample([...promptConversation, ...completion]);
    return datumFromTokensWeights(ex.modelInput.toInts(), ex.weights, maxLength);
  });
}

/** A seeded Fisher–Yates permutation of 0…n−1 (mulberry32). */
function permutation(n: number, seed: number): number[] {
  let s = seed >>> 0;
  const rand = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [p[i], p[j]] = [p[j] as number, p[i] as number];
  }
  return p;
}

/** Batches of interleaved (chosen, rejected) datums, reshuffled per epoch with the epoch as seed. */
export class ComparisonDataset {
  readonly #comparisons: readonly LabeledComparison[];
  #order: number[];

  constructor(
    comparisons: readonly LabeledComparison[],
    readonly renderer: Renderer,
    readonly batchSize: number,
    readonly maxLength?: number,
  ) {
    if (!(batchSize >= 1)) throw new RangeError("batchSize must be at least 1");
    this.#comparisons = comparisons.filter((c) => c.label !== "Tie");
    this.#order = this.#comparisons.map((_, i) => i);
  }

  /** Number of batches per epoch (a last partial batch is dropped). */
  get length(): number {
    return Math.floor(this.#comparisons.length / this.batchSize);
  }

  /** Shuffles for `epoch` (the cookbook's `set_epoch(seed=epoch)`). */
  setEpoch(epoch: number): void {
    this.#order = permutation(this.#comparisons.length, epoch);
  }

  /** 2·batchSize datums: chosen at even indices, rejected at odd. */
  getBatch(index: number): Datum[] {
    if (!(index >= 0 && index < this.length))
      throw new RangeError(`batch ${index} is outside 0…${this.length - 1}`);
    const ids = this.#order.slice(index * this.batchSize, (index + 1) * this.batchSize);
    return ids.flatMap((i) =>
      comparisonToData(this.renderer, this.#comparisons[i] as LabeledComparison, this.maxLength),
    );
  }
}
