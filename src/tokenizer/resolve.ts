/**
 * Which tokenizer a model uses, decided exactly as Python SDK 0.4.1's `_get_tokenizer` does
 * (training_client.py): the server's `tokenizer_id` wins, then name heuristics.
 */

/** The tokenizer id and pinned revision to load for a model. */
export interface TokenizerRef {
  readonly tokenizerId: string;
  /** A pinned Hugging Face revision (commit) when 0.4.1 pins one, else `undefined` (= `main`). */
  readonly revision?: string;
}

/** The tokenizer id the emulator reports for its byte-level models. */
export const BYTE_TOKENIZER_ID = "tinker-ts/byte-level";

/** Names of the emulator's own models start with this; they use the byte tokenizer. */
export const EMULATOR_MODEL_PREFIX = "tinker-ts/";

// 0.4.1 loads this one with trust_remote_code at a fixed commit.
const PINNED_REVISIONS: Readonly<Record<string, string>> = {
  "moonshotai/Kimi-K2-Thinking": "612681931a8c906ddb349f8ad0f582cb552189cd",
};

/**
 * The tokenizer for `modelName`: `tokenizerIdFromInfo` (from `get_info`) when present; otherwise any
 * Llama-3 name maps to the ungated `baseten/Meta-Llama-3-tokenizer`, `org/model/variant` is cut to
 * `org/model`, and anything else is used as is.
 */
export function resolveTokenizerId(modelName: string, tokenizerIdFromInfo?: string | null): TokenizerRef {
  let tokenizerId: string;
  if (tokenizerIdFromInfo !== undefined && tokenizerIdFromInfo !== null) {
    tokenizerId = tokenizerIdFromInfo;
  } else if (modelName.startsWith(EMULATOR_MODEL_PREFIX)) {
    // The emulator's own models are byte-level; a client that only knows the name (a sampling
    // client) finds their tokenizer without asking get_info.
    tokenizerId = BYTE_TOKENIZER_ID;
  } else if (modelName.startsWith("meta-llama/Llama-3")) {
    tokenizerId = "baseten/Meta-Llama-3-tokenizer";
  } else if (modelName.split("/").length === 3) {
    const [org, model] = modelName.split("/");
    tokenizerId = `${org}/${model}`;
  } else {
    tokenizerId = modelName;
  }
  const revision = PINNED_REVISIONS[tokenizerId];
  return revision === undefined ? { tokenizerId } : { tokenizerId, revision };
}
