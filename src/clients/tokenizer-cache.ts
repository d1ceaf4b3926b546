/**
 * `getTokenizer()` of the training and sampling clients: local files only (see `loadTokenizer`),
 * with `{ dir }` naming a directory that holds `tokenizer.json`. Each client caches one tokenizer
 * per directory asked for; a failure is not cached, so a second call can succeed once the files
 * are in place.
 */
import type { RequestCallOptions } from "../core/deadline.js";
import type { Tokenizer, TokenizerLocation } from "../tokenizer/index.js";

/** Options of `getTokenizer()`: where the files are, plus the per-call options of its server lookup. */
export interface TokenizerOptions extends RequestCallOptions {
  /** A directory holding `tokenizer.json` (or `<org>/<model>/tokenizer.json` under it); searched first. */
  dir?: string;
  /** The Hugging Face hub cache to search (default as `huggingface_hub` resolves it). */
  cacheDir?: string;
}

/** Splits {@link TokenizerOptions} into where to look and the per-call options. */
export function splitTokenizerOptions(
  options: TokenizerOptions = {},
): [TokenizerLocation, RequestCallOptions] {
  const { dir, cacheDir, ...call } = options;
  const location: { tokenizerDir?: string; cacheDir?: string } = {};
  if (dir !== undefined) location.tokenizerDir = dir;
  if (cacheDir !== undefined) location.cacheDir = cacheDir;
  return [location, call];
}

/** One client's tokenizers, one per location asked for. */
export class TokenizerCache {
  readonly #loaded = new Map<string, Promise<Tokenizer>>();

  /** The cached tokenizer for `location`, or the result of `load` (forgotten if it fails). */
  get(location: TokenizerLocation, load: () => Promise<Tokenizer>): Promise<Tokenizer> {
    const key = JSON.stringify([location.tokenizerDir ?? null, location.cacheDir ?? null]);
    let p = this.#loaded.get(key);
    if (p === undefined) {
      p = load();
      this.#loaded.set(key, p);
      p.catch(() => {
        if (this.#loaded.get(key) === p) this.#loaded.delete(key);
      });
    }
    return p;
  }
}
