/** `role_colon`: `User: …` / `Assistant: …` turns for base models, stopping on `\n\nUser:`. */
import { BaseRenderer, type RenderContext, type RenderedMessage } from "./base.js";
import { ensureText } from "./content.js";
import type { Message, ParsedResponse } from "./types.js";

// Named once so renderMessage and parseResponse stay inverses.
const CONTENT_PREFIX = " ";
const CONTENT_SUFFIX = "\n\n";
const STOP = "\n\nUser:";

/** The role-colon format (DeepSeek R1-Zero style): text only, a thinking part is refused. */
export class RoleColonRenderer extends BaseRenderer {
  readonly name = "role_colon";
  readonly hasExtensionProperty = true;

  /** The tokens of one message: header, content and end, each tokenized on its own. */
  protected renderMessage(message: Message, _ctx: RenderContext): RenderedMessage {
    const header = `${message.role.charAt(0).toUpperCase()}${message.role.slice(1).toLowerCase()}:`;
    const output = CONTENT_PREFIX + ensureText(message.content) + CONTENT_SUFFIX;
    // "User:" completes the stop sequence after the last assistant message; it is the next header.
    const overlap = message.role === "assistant" ? "User:" : "<UNUSED>";
    return {
      header: this.encodeFixed(header),
      output: [this.encode(output)],
      stopOverlap: this.encodeFixed(overlap),
    };
  }

  /** The tokens a conversation starts with (the tokenizer's BOS, where this format uses one). */
  protected override bosTokens(): readonly number[] {
    const bos = this.tokenizer.bosToken;
    return bos === null ? [] : this.encodeFixed(bos);
  }

  /** What sampling stops on for this format. */
  getStopSequences(): string[] {
    return [STOP];
  }

  /**
   * `stop_sequence` when `\n\nUser:` ended the text, `eos` when the tokenizer's EOS did without it,
   * `malformed` otherwise (no end, both, or several delimiters).
   */
  parseResponse(tokens: readonly number[]): ParsedResponse {
    const eos = this.tokenizer.eosTokenId;
    const endsWithEos = eos !== null && tokens.length > 0 && tokens[tokens.length - 1] === eos;
    const text = this.tokenizer.decode(endsWithEos ? tokens.slice(0, -1) : tokens);
    const pieces = text.split(STOP);
    let content = pieces[0] as string;
    if (content.startsWith(CONTENT_PREFIX)) content = content.slice(CONTENT_PREFIX.length);
    if (content.endsWith(CONTENT_SUFFIX)) content = content.slice(0, -CONTENT_SUFFIX.length);
    const message = { role: "assistant" as const, content };
    if (pieces.length === 1) return { message, termination: endsWithEos ? "eos" : "malformed" };
    if (pieces.length === 2) return { message, termination: endsWithEos ? "malformed" : "stop_sequence" };
    return { message, termination: "malformed" };
  }
}
