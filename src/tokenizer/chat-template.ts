import { Template } from "@huggingface/jinja";
import type { ChatMessage, ChatTemplateOptions } from "./types.js";
import { TokenizerError } from "./types.js";

/** Renders a Hugging Face chat template, parsed once and reused. */
export class ChatTemplate {
  private readonly template: Template;

  constructor(
    readonly source: string,
    private readonly specialTokens: Readonly<Record<string, string>>,
    tokenizerId: string,
  ) {
    try {
      this.template = new Template(source);
    } catch (err) {
      throw new TokenizerError(
        `the chat template of ${tokenizerId} cannot be parsed: ${(err as Error).message}`,
        tokenizerId,
      );
    }
  }

  render(messages: readonly ChatMessage[], options: ChatTemplateOptions = {}): string {
    return this.template.render({
      ...this.specialTokens,
      ...options.variables,
      messages,
      add_generation_prompt: options.addGenerationPrompt ?? true,
    });
  }
}
