import { TinkerError } from "../errors/index.js";

/** One message of a chat conversation, as chat templates expect it. */
export interface ChatMessage {
  readonly role: string;
  readonly content: string;
  readonly [extra: string]: unknown;
}

/** Options of {@link Tokenizer.applyChatTemplate}. */
export interface ChatTemplateOptions {
  /** Append the tokens that open the assistant's turn (default true, as for generation). */
  readonly addGenerationPrompt?: boolean;
  /** Extra variables passed to the template (e.g. `enable_thinking`). */
  readonly variables?: Readonly<Record<string, unknown>>;
}

/** Options of {@link Tokenizer.encode}. */
export interface EncodeOptions {
  /** Add the post-processor's special tokens (BOS…); default true. */
  readonly addSpecialTokens?: boolean;
  /**
   * Treat the text of special tokens (`<|im_end|>`…) as ordinary text, as Hugging Face's
   * `split_special_tokens=True` does; non-special added tokens (`<think>`…) still match. Default false.
   * Tokenizers without added tokens ignore it.
   */
  readonly splitSpecialTokens?: boolean;
}

/** Options of {@link Tokenizer.decode}. */
export interface DecodeOptions {
  /** Drop special tokens from the text; default false. */
  readonly skipSpecialTokens?: boolean;
  /**
   * Remove the space before `.`, `?`, `!`, `,`, `'m`, `n't`… after decoding; default: what the
   * tokenizer's `tokenizer_config.json` says (`clean_up_tokenization_spaces`, else false).
   */
  readonly cleanUpTokenizationSpaces?: boolean;
}

/** Text ⇄ token ids for one model; what `TrainingClient.getTokenizer()` returns. */
export interface Tokenizer {
  /** The tokenizer id it was loaded for (e.g. `Qwen/Qwen3-8B`). */
  readonly name: string;
  /** The model's chat template (Jinja source), or `null` when it has none. */
  readonly chatTemplate: string | null;
  /** Token ids of `text`; special tokens (BOS…) are added as the tokenizer's post-processor says, unless disabled. */
  encode(text: string, options?: EncodeOptions): number[];
  /** Text of `tokens`; special tokens are kept unless `skipSpecialTokens`. */
  decode(tokens: readonly number[], options?: DecodeOptions): string;
  /** Renders `messages` with the chat template; throws when the tokenizer has none. */
  applyChatTemplate(messages: readonly ChatMessage[], options?: ChatTemplateOptions): string;
}

/**
 * A tokenizer that also knows its vocabulary and special tokens: what renderers need
 * (`tinker-ts/renderers`). Every tokenizer tinker-ts loads is one.
 */
export interface TokenizerWithVocab extends Tokenizer {
  /** The id of `token` (a vocabulary entry, e.g. `<|im_end|>` or `Ġhello`), or `undefined` if none. */
  tokenToId(token: string): number | undefined;
  /** The vocabulary entry of `id`, or `undefined` if none. */
  idToToken(id: number): string | undefined;
  /** `bos_token` of tokenizer_config.json, or `null`. */
  readonly bosToken: string | null;
  /** `eos_token` of tokenizer_config.json, or `null`. */
  readonly eosToken: string | null;
  /** The id of {@link eosToken}, or `null`. */
  readonly eosTokenId: number | null;
}

/** Raised when a tokenizer cannot be found or loaded; the message says where it looked. */
export class TokenizerError extends TinkerError {
  constructor(
    message: string,
    /** The tokenizer id that was looked for. */
    readonly tokenizerId: string,
  ) {
    super(message, "TINKER_TOKENIZER");
  }
}
