/**
 * A small renderer for the supervised tests: `Role: content\n\n` turns over the emulator's byte
 * tokenizer. It stands in for the real renderers (src/renderers), which the tests must not need.
 */
import type { Message, Renderer, SupervisedExample, TrainOnWhat } from "../../src/renderers/types.js";
import { byteTokenizer } from "../../src/tokenizer/index.js";
import { ModelInput } from "../../src/types/model-input.js";

const tok = byteTokenizer();

function text(m: Message): string {
  return typeof m.content === "string"
    ? m.content
    : m.content.map((p) => (p.type === "text" ? p.text : p.thinking)).join("");
}

function header(m: Message): string {
  return `${m.role[0]?.toUpperCase()}${m.role.slice(1)}: `;
}

function trained(messages: readonly Message[], i: number, what: TrainOnWhat): boolean {
  const m = messages[i] as Message;
  const lastAssistant = messages.map((x) => x.role).lastIndexOf("assistant");
  switch (what) {
    case "all_assistant_messages":
      return m.role === "assistant";
    case "last_assistant_message":
    case "last_assistant_turn":
      return i === lastAssistant;
    case "all_messages":
    case "all_tokens":
      return true;
    case "all_user_and_system_messages":
      return m.role === "user" || m.role === "system";
    case "customized":
      return m.trainable === true;
  }
}

/** `Role: ` headers carry no loss; a trained message's text and its `\n\n` do. */
export const roleColonRenderer: Renderer = {
  name: "test_role_colon",
  hasExtensionProperty: true,
  buildSupervisedExample(messages, options = {}): SupervisedExample {
    const what = options.trainOnWhat ?? "last_assistant_message";
    const tokens: number[] = [];
    const weights: number[] = [];
    messages.forEach((m, i) => {
      const h = tok.encode(header(m));
      const body = tok.encode(`${text(m)}\n\n`);
      const w = trained(messages, i, what) ? 1 : 0;
      tokens.push(...h, ...body);
      weights.push(...h.map(() => (what === "all_tokens" ? 1 : 0)), ...body.map(() => w));
    });
    return { modelInput: ModelInput.fromInts(tokens), weights };
  },
  buildGenerationPrompt(messages, options = {}) {
    const prior = messages.map((m) => `${header(m)}${text(m)}\n\n`).join("");
    return ModelInput.fromInts(tok.encode(`${prior}Assistant: ${options.prefill ?? ""}`));
  },
  getStopSequences() {
    return ["\n\nUser:"];
  },
  parseResponse(tokens) {
    const s = tok.decode(tokens);
    const at = s.indexOf("\n\nUser:");
    return {
      message: { role: "assistant", content: at >= 0 ? s.slice(0, at) : s },
      termination: at >= 0 ? "stop_sequence" : "malformed",
    };
  },
};
