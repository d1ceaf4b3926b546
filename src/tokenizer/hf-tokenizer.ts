import { readFileSync } from "node:fs";
import { Tokenizer as HfTokenizer } from "@huggingface/tokenizers";
import { ChatTemplate } from "./chat-template.js";
import type { TokenizerFiles } from "./hf-files.js";
import {
  type ChatMessage,
  type ChatTemplateOptions,
  TokenizerError,
  type TokenizerWithVocab,
} from "./types.js";

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

function build(json: JsonObject, config: JsonObject, path: string, tokenizerId: string): HfTokenizer {
  try {
    return new HfTokenizer(json, config);
  } catch (err) {
    throw new TokenizerError(
      `cannot load ${path} for ${tokenizerId}: ${(err as Error).message}`,
      tokenizerId,
    );
  }
}

/**
 * A Hugging Face `tokenizer.json` tokenizer loaded from local files.
 *
 * `splitSpecialTokens` is served by a second tokenizer built (on first use) from the same files
 * without the special added tokens, so their text falls through to the model's merges while the
 * non-special added tokens still match — what `encode_special_tokens` does in Hugging Face's Rust
 * tokenizers.
 */
export function hfTokenizer(tokenizerId: string, files: TokenizerFiles): TokenizerWithVocab {
  const json = readJson(files.tokenizerJson, tokenizerId);
  const config = files.tokenizerConfigJson ? readJson(files.tokenizerConfigJson, tokenizerId) : {};
  const inner = build(json, config, files.tokenizerJson, tokenizerId);
  let plain: HfTokenizer | undefined;
  const plainTokenizer = (): HfTokenizer => {
    if (plain === undefined) {
      const added = (json.added_tokens ?? []) as Array<{ special?: boolean }>;
      plain = build(
        { ...json, added_tokens: added.filter((t) => !t.special) },
        config,
        files.tokenizerJson,
        tokenizerId,
      );
    }
    return plain;
  };
  const hasSpecialAdded = ((json.added_tokens ?? []) as Array<{ special?: boolean }>).some((t) => t.special);
  const source = templateSource(files, config);
  const specials: Record<string, string> = {};
  for (const key of ["bos_token", "eos_token", "pad_token", "unk_token"]) {
    const text = tokenText(config[key]);
    if (text !== undefined) specials[key] = text;
  }
  // transformers' default is false; @huggingface/tokenizers' own default is true, so always pass it.
  const cleanUp = config.clean_up_tokenization_spaces === true;
  const bosToken = specials.bos_token ?? null;
  const eosToken = specials.eos_token ?? null;
  const eosTokenId = eosToken === null ? null : (inner.token_to_id(eosToken) ?? null);
  const template = source === null ? null : new ChatTemplate(source, specials, tokenizerId);
  return {
    name: tokenizerId,
    chatTemplate: source,
    bosToken,
    eosToken,
    eosTokenId,
    encode(text, options = {}) {
      const tok = options.splitSpecialTokens && hasSpecialAdded ? plainTokenizer() : inner;
      return tok.encode(text, { add_special_tokens: options.addSpecialTokens ?? true }).ids;
    },
    decode(tokens, options = {}) {
      // @huggingface/tokenizers refuses an empty list; Hugging Face decodes it to "".
      if (tokens.length === 0) return "";
      return inner.decode([...tokens], {
        skip_special_tokens: options.skipSpecialTokens ?? false,
        clean_up_tokenization_spaces: options.cleanUpTokenizationSpaces ?? cleanUp,
      });
    },
    tokenToId(token) {
      return inner.token_to_id(token);
    },
    idToToken(id) {
      return inner.id_to_token(id);
    },
    applyChatTemplate(messages: readonly ChatMessage[], options?: ChatTemplateOptions) {
      if (template === null) throw new TokenizerError(`${tokenizerId} has no chat template`, tokenizerId);
      return template.render(messages, options);
    },
  };
}
