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

/** Text ⇄ token ids for one model; what `TrainingClient.getTokenizer()` returns. */
export interface Tokenizer {
  /** The tokenizer id it was loaded for (e.g. `Qwen/Qwen3-8B`). */
  readonly name: string;
  /** The model's chat template (Jinja source), or `null` when it has none. */
  readonly chatTemplate: string | null;
  /** Token ids of `text`; special tokens (BOS…) are added as the tokenizer's post-processor says, unless disabled. */
  encode(text: string, options?: { readonly addSpecialTokens?: boolean }): number[];
  /** Text of `tokens`; special tokens are kept unless `skipSpecialTokens`. */
  decode(tokens: readonly number[], options?: { readonly skipSpecialTokens?: boolean }): string;
  /** Renders `messages` with the chat template; throws when the tokenizer has none. */
  applyChatTemplate(messages: readonly ChatMessage[], options?: ChatTemplateOptions): string;
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
