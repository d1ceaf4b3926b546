/**
 * The renderer contract shared by the cookbook layer (renderers, supervised, RL, preference).
 * Shapes follow tinker-cookbook's `tinker_cookbook/renderers` (see the golden fixtures' README):
 * messages as in the fixtures, `TrainOnWhat` with the cookbook's values.
 */
import type { ModelInput } from "../types/model-input.js";

/** A plain-text part of a message's content. */
export interface TextPart {
  readonly type: "text";
  readonly text: string;
}

/** The model's reasoning, as a part of an assistant message's content. */
export interface ThinkingPart {
  readonly type: "thinking";
  readonly thinking: string;
}

/** A part of a message's content. */
export type ContentPart = TextPart | ThinkingPart;

/** A tool call made by the assistant; `arguments` is a JSON string, as in the OpenAI format. */
export interface ToolCall {
  readonly type: "function";
  readonly id?: string | null;
  readonly function: { readonly name: string; readonly arguments: string };
}

/** A tool call the parser found but could not read. */
export interface UnparsedToolCall {
  readonly raw_text: string;
  readonly error: string;
}

/** Who speaks a message. */
export type Role = "system" | "user" | "assistant" | "tool" | "developer" | "_gptoss_internal_system";

/** One message of a conversation. */
export interface Message {
  readonly role: Role;
  readonly content: string | readonly ContentPart[];
  readonly tool_calls?: readonly ToolCall[];
  readonly unparsed_tool_calls?: readonly UnparsedToolCall[];
  /** For `role: "tool"`: the call this answers. */
  readonly tool_call_id?: string;
  /** For `role: "tool"`: the tool's name. */
  readonly name?: string;
  /** Only with `trainOnWhat: "customized"`. */
  readonly trainable?: boolean;
}

/** Which tokens of a supervised example carry loss (the cookbook's `TrainOnWhat`). */
export type TrainOnWhat =
  | "last_assistant_message"
  | "last_assistant_turn"
  | "all_assistant_messages"
  | "all_messages"
  | "all_tokens"
  | "all_user_and_system_messages"
  | "customized";

/** A training example: the whole conversation's tokens and one 0/1 loss weight per token. */
export interface SupervisedExample {
  readonly modelInput: ModelInput;
  readonly weights: readonly number[];
}

/** How a sampled response ended. */
export type Termination = "stop_sequence" | "eos" | "malformed";

/** What `parseResponse` finds in sampled tokens. */
export interface ParsedResponse {
  readonly message: Message;
  readonly termination: Termination;
}

/** A tool the model may call, in the OpenAI function-tool format. */
export interface ToolSpec {
  readonly name: string;
  readonly description?: string;
  readonly parameters?: Readonly<Record<string, unknown>>;
}

/** A chat format for one model family. */
export interface Renderer {
  /** The registry name (`qwen3`, `llama3`, `role_colon`, …). */
  readonly name: string;
  /** Tokens and loss weights of `messages` for supervised training. Throws `RendererError` on inputs the cookbook refuses. */
  buildSupervisedExample(
    messages: readonly Message[],
    options?: { readonly trainOnWhat?: TrainOnWhat },
  ): SupervisedExample;
  /** The prompt to sample the next assistant message from (optionally ending with `prefill` text). */
  buildGenerationPrompt(messages: readonly Message[], options?: { readonly prefill?: string }): ModelInput;
  /** What sampling stops on: token ids, or strings. */
  getStopSequences(): readonly number[] | readonly string[];
  /** The assistant message in sampled `tokens`, and how the response ended. */
  parseResponse(tokens: readonly number[]): ParsedResponse;
  /** Whether each turn's prompt is a prefix of the next turn's (no history rewriting). */
  readonly hasExtensionProperty: boolean;
  /** Messages that declare `tools` (and a system prompt), where the cookbook has a builder. */
  createConversationPrefixWithTools?(tools: readonly ToolSpec[], systemPrompt?: string): Message[];
}
