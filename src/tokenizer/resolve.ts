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
 * Whose naming rules pick the tokenizer: Python SDK 0.4.1's `_get_tokenizer` or 0.25.0's
 * `_load_tokenizer_from_model_info` (`:…` suffixes cut, another Llama-3 tokenizer, more pins).
 */
export type TokenizerNaming = "0.4.1" | "0.25.0";

// 0.25.0 maps these Kimi names to one tokenizer at a fixed commit.
const PINNED_V025: Readonly<Record<string, TokenizerRef>> = {
  "moonshotai/Kimi-K2-Thinking": {
    tokenizerId: "moonshotai/Kimi-K2-Thinking",
    revision: "612681931a8c906ddb349f8ad0f582cb552189cd",
  },
  "moonshotai/Kimi-K2.5-Text-Only": {
    tokenizerId: "moonshotai/Kimi-K2.5",
    revision: "4d01dfe0332d63057c186e0b262165819efb6611",
  },
  "moonshotai/Kimi-K2.5": {
    tokenizerId: "moonshotai/Kimi-K2.5",
    revision: "4d01dfe0332d63057c186e0b262165819efb6611",
  },
  "moonshotai/Kimi-K2.6": {
    tokenizerId: "moonshotai/Kimi-K2.6",
    revision: "b5aabbfb20227ed42becbf5541dbffd213942c58",
  },
};

/** 0.25.0's rules: the name and the server's tokenizer id lose any `:…` suffix (fact 25). */
function resolveV025(modelName: string, tokenizerIdFromInfo: string | null | undefined): TokenizerRef {
  const model = modelName.split(":")[0] as string;
  let tokenizerId: string;
  if (tokenizerIdFromInfo != null) tokenizerId = tokenizerIdFromInfo.split(":")[0] as string;
  else if (model.startsWith(EMULATOR_MODEL_PREFIX)) tokenizerId = BYTE_TOKENIZER_ID;
  else if (model.startsWith("meta-llama/Llama-3")) {
    tokenizerId = "thinkingmachineslabinc/meta-llama-3-instruct-tokenizer";
  } else if (model.split("/").length === 3) {
    const [org, name] = model.split("/");
    tokenizerId = `${org}/${name}`;
  } else tokenizerId = model;
  return PINNED_V025[tokenizerId] ?? { tokenizerId };
}

/**
 * The tokenizer for `modelName`: `tokenizerIdFromInfo` (from `get_info`) when present; otherwise any
 * Llama-3 name maps to the ungated `baseten/Meta-Llama-3-tokenizer`, `org/model/variant` is cut to
 * `org/model`, and anything else is used as is. `naming` "0.25.0" applies that SDK's rules instead.
 */
export function resolveTokenizerId(
  modelName: string,
  tokenizerIdFromInfo?: string | null,
  naming: TokenizerNaming = "0.4.1",
): TokenizerRef {
  if (naming === "0.25.0") return resolveV025(modelName, tokenizerIdFromInfo);
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
