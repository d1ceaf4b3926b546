/**
 * Tokenizers that work offline: name resolution as Python SDK 0.4.1, Hugging Face `tokenizer.json`
 * files from local directories or the hub cache, and the byte tokenizer of the emulator's models.
 */
import { byteTokenizer } from "./byte-tokenizer.js";
import { findTokenizerFiles, type TokenizerLocation } from "./hf-files.js";
import { hfTokenizer } from "./hf-tokenizer.js";
import { BYTE_TOKENIZER_ID, resolveTokenizerId, type TokenizerNaming } from "./resolve.js";
import type { Tokenizer } from "./types.js";

export { byteTokenizer } from "./byte-tokenizer.js";
export { defaultHubCache, type TokenizerLocation } from "./hf-files.js";
export { loadTokenizerFromDir } from "./local.js";
export { BYTE_TOKENIZER_ID, resolveTokenizerId, type TokenizerNaming } from "./resolve.js";
export {
  type ChatMessage,
  type ChatTemplateOptions,
  type DecodeOptions,
  type EncodeOptions,
  type Tokenizer,
  TokenizerError,
  type TokenizerWithVocab,
} from "./types.js";

/**
 * The tokenizer of `modelName` (with the `tokenizer_id` that `get_info` reported, if any), loaded from
 * local files only; the emulator's byte-level models need none. `naming` picks whose rules map the
 * name to a tokenizer id (Python SDK 0.4.1's by default, or 0.25.0's).
 */
export function loadTokenizer(
  modelName: string,
  tokenizerIdFromInfo?: string | null,
  location: TokenizerLocation = {},
  env: NodeJS.ProcessEnv = process.env,
  naming: TokenizerNaming = "0.4.1",
): Tokenizer {
  const ref = resolveTokenizerId(modelName, tokenizerIdFromInfo, naming);
  if (ref.tokenizerId === BYTE_TOKENIZER_ID) return byteTokenizer();
  return hfTokenizer(ref.tokenizerId, findTokenizerFiles(ref, location, env));
}
