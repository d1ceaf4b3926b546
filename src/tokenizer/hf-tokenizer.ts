import { readFileSync } from "node:fs";
import { Tokenizer as HfTokenizer } from "@huggingface/tokenizers";
import { ChatTemplate } from "./chat-template.js";
import type { TokenizerFiles } from "./hf-files.js";
import { type ChatMessage, type ChatTemplateOptions, type Tokenizer, TokenizerError } from "./types.js";

type JsonObject = Record<string, unknown>;

function readJson(path: string, tokenizerId: string): JsonObject {
  try {
    return JSON.parse(readFileSync(path, "utf8")) as JsonObject;
  } catch (err) {
    throw new TokenizerError(
      `cannot read ${path} for ${tokenizerId}: ${(err as Error).message}`,
      tokenizerId,
    );
  }
}

// tokenizer_config.json spells special tokens as strings or as AddedToken objects.
function tokenText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (value && typeof value === "object" && typeof (value as JsonObject).content === "string")
    return (value as JsonObject).content as string;
  return undefined;
}

// The template source: chat_template.jinja, else the config's string or its "default" named template.
function templateSource(files: TokenizerFiles, config: JsonObject): string | null {
  if (files.chatTemplateJinja) return readFileSync(files.chatTemplateJinja, "utf8");
  const t = config.chat_template;
  if (typeof t === "string") return t;
  if (Array.isArray(t)) {
    const named = t as Array<{ name?: string; template?: string }>;
    return (named.find((x) => x.name === "default") ?? named[0])?.template ?? null;
  }
  return null;
}

/** A Hugging Face `tokenizer.json` tokenizer loaded from local files. */
export function hfTokenizer(tokenizerId: string, files: TokenizerFiles): Tokenizer {
  const json = readJson(files.tokenizerJson, tokenizerId);
  const config = files.tokenizerConfigJson ? readJson(files.tokenizerConfigJson, tokenizerId) : {};
  let inner: HfTokenizer;
  try {
    inner = new HfTokenizer(json, config);
  } catch (err) {
    throw new TokenizerError(
      `cannot load ${files.tokenizerJson} for ${tokenizerId}: ${(err as Error).message}`,
      tokenizerId,
    );
  }
  const source = templateSource(files, config);
  const specials: Record<string, string> = {};
  for (const key of ["bos_token", "eos_token", "pad_token", "unk_token"]) {
    const text = tokenText(config[key]);
    if (text !== undefined) specials[key] = text;
  }
  const template = source === null ? null : new ChatTemplate(source, specials, tokenizerId);
  return {
    name: tokenizerId,
    chatTemplate: source,
    encode(text, options = {}) {
      return inner.encode(text, { add_special_tokens: options.addSpecialTokens ?? true }).ids;
    },
    decode(tokens, options = {}) {
      return inner.decode([...tokens], { skip_special_tokens: options.skipSpecialTokens ?? false });
    },
    applyChatTemplate(messages: readonly ChatMessage[], options?: ChatTemplateOptions) {
      if (template === null) throw new TokenizerError(`${tokenizerId} has no chat template`, tokenizerId);
      return template.render(messages, options);
    },
  };
}
