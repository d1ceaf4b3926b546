/**
 * A minimal renderer over the emulator's byte tokenizer, for the RL and DPO examples and tests: a
 * message is its content's bytes, and an assistant message ends with EOS (257), which is also the
 * stop token. Nothing else is added, so a prompt ends with the last user message's own bytes — the
 * tiny model sees only the last two tokens, and this keeps them meaningful.
 */
import { byteTokenizer, ModelInput } from "tinker-ts";
import type {
  Message,
  ParsedResponse,
  Renderer,
  SupervisedExample,
  TrainOnWhat,
} from "../../src/renderers/types.js";

/** The byte vocabulary's end-of-sequence token. */
export const EOS = 257;

const tokenizer = byteTokenizer();

function text(m: Message): string {
  if (typeof m.content === "string") return m.content;
  return m.content.map((p) => (p.type === "text" ? p.text : p.thinking)).join("");
}

function render(m: Message): number[] {
  const tokens = tokenizer.encode(text(m));
  return m.role === "assistant" ? [...tokens, EOS] : tokens;
}

function lossOn(trainOnWhat: TrainOnWhat, messages: readonly Message[], i: number): boolean {
  const m = messages[i] as Message;
  switch (trainOnWhat) {
    case "last_assistant_message":
    case "last_assistant_turn":
      return m.role === "assistant" && messages.slice(i + 1).every((n) => n.role !== "assistant");
    case "all_assistant_messages":
      return m.role === "assistant";
    case "all_messages":
    case "all_tokens":
      return true;
    case "all_user_and_system_messages":
      return m.role === "user" || m.role === "system";
    case "customized":
      return m.trainable === true;
  }
}

/** The byte renderer (`name: "byte_plain"`). */
export const byteRenderer: Renderer = {
  name: "byte_plain",
  hasExtensionProperty: true,
  buildSupervisedExample(messages, options = {}): SupervisedExample {
    const trainOnWhat = options.trainOnWhat ?? "last_assistant_message";
    const tokens: number[] = [];
    const weights: number[] = [];
    messages.forEach((m, i) => {
      const t = render(m);
      const w = lossOn(trainOnWhat, messages, i) ? 1 : 0;
      tokens.push(...t);
      for (let k = 0; k < t.length; k++) weights.push(w);
    });
    return { modelInput: ModelInput.fromInts(tokens), weights };
  },
  buildGenerationPrompt(messages, options = {}) {
    const tokens = messages.flatMap(render);
    if (options.prefill) tokens.push(...tokenizer.encode(options.prefill));
    return ModelInput.fromInts(tokens);
  },
  getStopSequences() {
    return [EOS];
  },
  parseResponse(tokens): ParsedResponse {
    const end = tokens.indexOf(EOS);
    const body = end >= 0 ? tokens.slice(0, end) : tokens;
    return {
      message: { role: "assistant", content: tokenizer.decode(body, { skipSpecialTokens: true }) },
      // EOS is this renderer's stop sequence, so ending on it is a clean stop.
      termination: end >= 0 ? "stop_sequence" : "malformed",
    };
  },
};
