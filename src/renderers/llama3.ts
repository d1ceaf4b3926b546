/** Llama 3 Instruct (`llama3`): header-id turns ending in `<|eot_id|>`; text only, no tool calling. */
import { BaseRenderer, parseForStopToken, type RenderContext, type RenderedMessage } from "./base.js";
import { ensureText } from "./content.js";
import type { Message, ParsedResponse } from "./types.js";

/**
 * Llama 3 chat format without the "Cutting Knowledge Date" preamble of Hugging Face's template.
 * A thinking part is refused; tool calling is not supported (Llama 3's bare-JSON calls cannot be told
 * apart from JSON answers).
 */
export class Llama3Renderer extends BaseRenderer {
  readonly name = "llama3";
  readonly hasExtensionProperty = true;

  /** The tokens of one message: header, content and end, each tokenized on its own. */
  protected renderMessage(message: Message, _ctx: RenderContext): RenderedMessage {
    const header = `<|start_header_id|>${message.role}<|end_header_id|>\n\n`;
    return {
      header: this.encodeFixed(header),
      output: [this.encode(`${ensureText(message.content)}<|eot_id|>`)],
    };
  }

  /** The tokens a conversation starts with (the tokenizer's BOS, where this format uses one). */
  protected override bosTokens(): readonly number[] {
    return [this.singleToken("<|begin_of_text|>")];
  }

  /** What sampling stops on for this format. */
  getStopSequences(): number[] {
    return [this.singleToken("<|eot_id|>")];
  }

  /** The assistant message in sampled tokens, and how the response ended. */
  parseResponse(tokens: readonly number[]): ParsedResponse {
    const { content, termination } = parseForStopToken(
      tokens,
      this.tokenizer,
      this.singleToken("<|eot_id|>"),
    );
    return { message: { role: "assistant", content }, termination };
  }
}
