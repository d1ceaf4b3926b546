/**
 * Conversation → training `Datum`: the renderer's tokens and weights, truncated to a maximum length,
 * shifted for next-token prediction, as tinker-cookbook's `supervised/common.py` and `data.py` do.
 */
import type { Message, Renderer, TrainOnWhat } from "../renderers/types.js";
import type { Datum } from "../types/datum.js";
import { chunkLength, ModelInput, type ModelInputChunk } from "../types/model-input.js";
import { TensorData } from "../types/tensor-data.js";
import { SupervisedError } from "./errors.js";

/** How per-token weights are reduced: `none` keeps them (token-sum loss), `mean` scales a datum's weights to sum to 1 (token-mean loss). */
export type WeightReduction = "none" | "mean";

/** Options of {@link datumFromModelInputWeights}. */
export interface DatumOptions {
  /** Keep at most this many tokens (from the left); the rest is cut before the shift. */
  readonly maxLength?: number | null;
  /** Default `none` here; {@link conversationToDatum} defaults to `mean`, as the cookbook's SFT does. */
  readonly reduction?: WeightReduction;
}

// An image's length is its token count (0.4.1's `tokens`), as the server counts it.
const chunkLen = chunkLength;

/** Pops chunks from the end until `maxLength` tokens remain; a text chunk may be cut, an image only dropped whole. */
function truncate(chunks: ModelInputChunk[], maxLength: number): void {
  let total = chunks.reduce((n, c) => n + chunkLen(c), 0);
  while (total > maxLength && chunks.length > 0) {
    const last = chunks[chunks.length - 1] as ModelInputChunk;
    const len = chunkLen(last);
    const overflow = total - maxLength;
    if (last.type === "encoded_text" && overflow < len) {
      chunks[chunks.length - 1] = { type: "encoded_text", tokens: last.tokens.slice(0, len - overflow) };
      total = maxLength;
    } else {
      chunks.pop();
      total -= len;
    }
  }
}

/**
 * Inputs are every chunk with the last token removed (images kept), targets every token but the
 * first (an image position targets 0), as the cookbook's right-shift.
 */
function shift(chunks: readonly ModelInputChunk[]): { input: ModelInput; targets: number[] } {
  const last = chunks[chunks.length - 1];
  if (last === undefined)
    throw new SupervisedError("need at least 2 tokens for input/target split", "DATA_VALIDATION");
  if (last.type !== "encoded_text") {
    throw new SupervisedError(
      "the last chunk must be a text chunk (images carry no loss, so remove them beforehand)",
      "DATA_VALIDATION",
    );
  }
  const all: number[] = [];
  for (const c of chunks) {
    if (c.type === "encoded_text") all.push(...c.tokens);
    else for (let i = chunkLen(c); i > 0; i--) all.push(0);
  }
  if (all.length < 2)
    throw new SupervisedError("need at least 2 tokens for input/target split", "DATA_VALIDATION");
  const inputChunks = chunks.slice(0, -1);
  if (last.tokens.length > 1) inputChunks.push({ type: "encoded_text", tokens: last.tokens.slice(0, -1) });
  return { input: new ModelInput(inputChunks), targets: all.slice(1) };
}

/**
 * A cross-entropy `Datum` from a model input and one weight per token: truncated to `maxLength`,
 * then `model_input` = tokens[:-1], `target_tokens` = tokens[1:] (int64), `weights` = weights[1:]
 * (float32), as the cookbook's `datum_from_model_input_weights`. Throws `SupervisedError`
 * (`DATA_VALIDATION`) when fewer than 2 tokens remain or the weights do not match the tokens.
 */
export function datumFromModelInputWeights(
  modelInput: ModelInput,
  weights: readonly number[],
  options: DatumOptions = {},
): Datum {
  const total = modelInput.chunks.reduce((n, c) => n + chunkLen(c), 0);
  if (weights.length !== total) {
    throw new SupervisedError(`${weights.length} weights for ${total} tokens`, "DATA_VALIDATION");
  }
  let chunks = [...modelInput.chunks];
  if (options.maxLength != null) truncate(chunks, options.maxLength);
  // An empty text chunk (a header for an empty message) would stop the shift from dropping the
  // last real token; trailing images have nothing after them to predict.
  chunks = chunks.filter((c) => !(c.type === "encoded_text" && c.tokens.length === 0));
  while (chunks.length > 0 && chunks[chunks.length - 1]?.type !== "encoded_text") chunks.pop();
  const { input, targets } = shift(chunks);
  let w = weights.slice(1, targets.length + 1);
  const reduction = options.reduction ?? "none";
  if (reduction === "mean") {
    const sum = w.reduce((a, b) => a + b, 0);
    // Rounded to float32, the values a float32 tensor would hold on the wire.
    if (sum > 0) w = w.map((x) => Math.fround(x / sum));
  } else if (reduction !== "none") {
    throw new SupervisedError(`unknown reduction mode ${JSON.stringify(reduction)}`, "CONFIGURATION");
  }
  return {
    model_input: input,
    loss_fn_inputs: {
      weights: TensorData.fromArray(w, "float32", [w.length]),
      target_tokens: TensorData.fromArray(targets, "int64", [targets.length]),
    },
  };
}

/** Options of {@link conversationToDatum}. */
export interface ConversationDatumOptions {
  readonly maxLength?: number | null;
  /** Which tokens carry loss; default `all_assistant_messages` (the cookbook's default). */
  readonly trainOnWhat?: TrainOnWhat;
  /** Default `mean`, the cookbook's SFT default. */
  readonly reduction?: WeightReduction;
}

/** A training `Datum` of one conversation through `renderer` (the cookbook's `conversation_to_datum`). */
export function conversationToDatum(
  messages: readonly Message[],
  renderer: Renderer,
  options: ConversationDatumOptions = {},
): Datum {
  const { modelInput, weights } = renderer.buildSupervisedExample(messages, {
    trainOnWhat: options.trainOnWhat ?? "all_assistant_messages",
  });
  return datumFromModelInputWeights(modelInput, weights, {
    maxLength: options.maxLength,
    reduction: options.reduction ?? "mean",
  });
}

/**
 * Weighted mean negative log-likelihood of a batch: −Σ(logprobs·weights) / Σweights over every
 * datum (NaN when the weights sum to 0), as the cookbook's `compute_mean_nll`.
 */
export function computeMeanNll(
  logprobsList: readonly (TensorData | readonly number[])[],
  weightsList: readonly (TensorData | readonly number[])[],
): number {
  if (logprobsList.length !== weightsList.length) {
    throw new SupervisedError(
      `${logprobsList.length} logprob tensors for ${weightsList.length} weight tensors`,
      "DATA_VALIDATION",
    );
  }
  let dot = 0;
  let total = 0;
  logprobsList.forEach((lp, i) => {
    const l = lp instanceof TensorData ? lp.data : lp;
    const wt = weightsList[i] as TensorData | readonly number[];
    const w = wt instanceof TensorData ? wt.data : wt;
    if (l.length !== w.length) {
      throw new SupervisedError(
        `datum ${i}: ${l.length} logprobs for ${w.length} weights`,
        "DATA_VALIDATION",
      );
    }
    for (let t = 0; t < w.length; t++) {
      dot += (l[t] as number) * (w[t] as number);
      total += w[t] as number;
    }
  });
  return total === 0 ? Number.NaN : -dot / total;
}
