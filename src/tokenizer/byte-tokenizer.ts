import { ChatTemplate } from "./chat-template.js";
import { BYTE_TOKENIZER_ID } from "./resolve.js";
import type { ChatMessage, ChatTemplateOptions, Tokenizer } from "./types.js";

/** Special tokens of the byte-level vocabulary: ids 256 and up, after the 256 byte values. */
export const BYTE_SPECIAL_TOKENS: Readonly<Record<number, string>> = {
  256: "<|bos|>",
  257: "<|eos|>",
};

// ChatML-style turns spelled in plain bytes, so chat prompts work with the emulator's models.
const BYTE_CHAT_TEMPLATE =
  "{% for message in messages %}<|im_start|>{{ message.role }}\n{{ message.content }}<|im_end|>\n{% endfor %}" +
  "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";

/**
 * The tokenizer of the emulator's models: one token per UTF-8 byte (ids 0–255) plus a few specials.
 * Needs no files, so it works offline for any model the emulator serves.
 */
export function byteTokenizer(): Tokenizer {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder("utf-8", { fatal: false });
  const template = new ChatTemplate(BYTE_CHAT_TEMPLATE, {}, BYTE_TOKENIZER_ID);
  return {
    name: BYTE_TOKENIZER_ID,
    chatTemplate: BYTE_CHAT_TEMPLATE,
    encode(text: string): number[] {
      return Array.from(encoder.encode(text));
    },
    decode(tokens: readonly number[], options = {}): string {
      let out = "";
      let bytes: number[] = [];
      const flush = () => {
        out += decoder.decode(Uint8Array.from(bytes));
        bytes = [];
      };
      for (const t of tokens) {
        if (t >= 0 && t < 256) {
          bytes.push(t);
          continue;
        }
        flush();
        if (!options.skipSpecialTokens) out += BYTE_SPECIAL_TOKENS[t] ?? `<|${t}|>`;
      }
      flush();
      return out;
    },
    applyChatTemplate(messages: readonly ChatMessage[], options?: ChatTemplateOptions): string {
      return template.render(messages, options);
    },
  };
}
