/**
 * gpt-oss in OpenAI's Harmony format (`gpt_oss_no_sysprompt`, `gpt_oss_{low,medium,high}_reasoning`):
 * `<|start|>role<|channel|>…<|message|>…<|end|>`, reasoning in the `analysis` channel, tool calls in
 * `commentary` addressed `to=functions.NAME`, the last answer ending in `<|return|>`.
 */
import type { ModelInput } from "../types/model-input.js";
import type { TokenizerWithVocab } from "../tokenizer/types.js";
import { BaseRenderer, type RenderContext, type RenderedMessage, type WarningSink } from "./base.js";
import { ensureList, ensureText, pyStrip, UNTERMINATED_TOOL_BLOCK_ERROR } from "./content.js";
import { RendererError } from "./errors.js";
import { formatToolDefinition } from "./gpt-oss-tools.js";
import { PyJsonError, pyJsonLoads } from "./python-json.js";
import type {
  ContentPart,
  Message,
  ParsedResponse,
  Role,
  SupervisedExample,
  ToolCall,
  ToolSpec,
  TrainOnWhat,
  UnparsedToolCall,
} from "./types.js";

/** The reasoning effort the built-in system prompt states. */
export type ReasoningEffort = "low" | "medium" | "high";

/** Options of the gpt-oss renderer. */
export interface GptOssOptions {
  /** Prepend OpenAI's system prompt stating this effort; without it no system prompt is added. */
  readonly reasoningEffort?: ReasoningEffort;
  /** `Current date:` of the system prompt (`YYYY-MM-DD`); default: today, in local time. */
  readonly currentDate?: string;
}

const INTERNAL_SYSTEM: Role = "_gptoss_internal_system";

const today = () => {
  const d = new Date();
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
};

interface HarmonyMessage {
  channel: string | null;
  recipient: string | null;
  content: string;
  rawText: string;
}

/** The Harmony renderer; `reasoningEffort` decides whether a system prompt is prepended. */
export class GptOssRenderer extends BaseRenderer {
  readonly name: string;
  readonly hasExtensionProperty = false;
  private readonly reasoningEffort: ReasoningEffort | undefined;
  private readonly currentDate: string | undefined;

  constructor(tokenizer: TokenizerWithVocab, warn?: WarningSink, options: GptOssOptions = {}) {
    super(tokenizer, warn);
    this.reasoningEffort = options.reasoningEffort;
    this.currentDate = options.currentDate;
    this.name = options.reasoningEffort
      ? `gpt_oss_${options.reasoningEffort}_reasoning`
      : "gpt_oss_no_sysprompt";
  }

  /** The tokens of one message: header, content and end, each tokenized on its own. */
  protected renderMessage(message: Message, _ctx: RenderContext): RenderedMessage {
    if (message.role === "tool") return this.renderToolResult(message);
    const ctx = _ctx;
    // The user's "system" is the developer's instructions; the internal role is the real system.
    const role =
      message.role === INTERNAL_SYSTEM ? "system" : message.role === "system" ? "developer" : message.role;
    let out = "";
    let calls: readonly ToolCall[] = [];
    if (message.role === "assistant") {
      const parts = ensureList(message.content);
      const text = parts.map((p) => (p.type === "text" ? p.text : "")).join("");
      const thinking = parts.map((p) => (p.type === "thinking" ? p.thinking : "")).join("");
      calls = message.tool_calls ?? [];
      if (thinking) out += `<|channel|>analysis<|message|>${thinking}<|end|><|start|>assistant`;
      if (calls.length > 0) {
        if (text) out += `<|channel|>commentary<|message|>${text}<|end|><|start|>assistant`;
        out += calls
          .map(
            (c) =>
              ` to=functions.${c.function.name}<|channel|>commentary <|constrain|>json<|message|>` +
              `${c.function.arguments}<|call|>`,
          )
          .join("<|start|>assistant");
      } else {
        out += `<|channel|>final<|message|>${text}`;
      }
      // Each tool call already ends in <|call|>.
      if (calls.length === 0) out += ctx.isLast ? "<|return|>" : "<|end|>";
    } else if (message.role === "system") {
      out += `<|message|># Instructions\n\n${ensureText(message.content)}\n\n<|end|>`;
    } else {
      out += `<|message|>${ensureText(message.content)}<|end|>`;
    }
    return { header: this.encodeFixed(`<|start|>${role}`), output: [this.encode(out)] };
  }

  private renderToolResult(message: Message): RenderedMessage {
    let name = message.name ?? "";
    if (!name) {
      this.warn(
        "Tool message missing 'name' field. GptOssRenderer requires the 'name' field to render tool " +
          "results correctly; rendering it as functions.unknown.",
      );
      name = "unknown";
    }
    if (!name.startsWith("functions.")) name = `functions.${name}`;
    const out = `<|channel|>commentary<|message|>${ensureText(message.content)}<|end|>`;
    return { header: this.encode(`<|start|>${name} to=assistant`), output: [this.encode(out)] };
  }

  private systemMessage(): Message | null {
    if (this.reasoningEffort === undefined) return null;
    const content =
      "You are ChatGPT, a large language model trained by OpenAI.\n" +
      "Knowledge cutoff: 2024-06\n" +
      `Current date: ${this.currentDate ?? today()}\n\n` +
      `Reasoning: ${this.reasoningEffort}\n\n` +
      "# Valid channels: analysis, commentary, final. Channel must be included for every message.";
    return { role: INTERNAL_SYSTEM, content };
  }

  private withSystem(messages: readonly Message[]): readonly Message[] {
    const system = this.systemMessage();
    if (system === null) return messages;
    if (messages[0]?.role === "system")
      this.warn(
        "the renderer prepends its own system prompt but messages already start with a system message; " +
          "the conversation will have two.",
      );
    return [system, ...messages];
  }

  /** The prompt to sample the next assistant message from. */
  override buildGenerationPrompt(
    messages: readonly Message[],
    options: { readonly prefill?: string; readonly role?: Role } = {},
  ): ModelInput {
    return super.buildGenerationPrompt(this.withSystem(messages), options);
  }

  /**
   * Prepends the system prompt when there is one; it carries no `trainable` flag, so these renderers
   * refuse `customized`.
   */
  override buildSupervisedExample(
    messages: readonly Message[],
    options: { readonly trainOnWhat?: TrainOnWhat } = {},
  ): SupervisedExample {
    return super.buildSupervisedExample(this.withSystem(messages), options);
  }

  /** What sampling stops on for this format. */
  getStopSequences(): number[] {
    return [this.singleToken("<|return|>"), this.singleToken("<|call|>")];
  }

  /** The assistant message in sampled tokens, and how the response ended. */
  parseResponse(tokens: readonly number[]): ParsedResponse {
    const ret = this.singleToken("<|return|>");
    const call = this.singleToken("<|call|>");
    const calls = tokens.filter((t) => t === call).length;
    const returns = tokens.filter((t) => t === ret).length;
    if (calls === 0 && returns === 0)
      return {
        message: { role: "assistant", content: this.tokenizer.decode(tokens) },
        termination: "malformed",
      };
    for (const [n, what] of [
      [calls, "<|call|>"],
      [returns, "<|return|>"],
    ] as const)
      if (n > 1)
        throw new RendererError(
          `When parsing response, expected at most 1 ${what} token, but got ${n}. ` +
            "You probably are using the wrong stop tokens when sampling",
        );
    const stops = [tokens.indexOf(ret), tokens.indexOf(call)].filter((i) => i >= 0);
    const text = this.tokenizer.decode(tokens.slice(0, Math.min(...stops)));
    const { parts, toolCalls, unparsed } = parseHarmonyOutput(text);
    if (text.split("to=functions.").length - 1 > toolCalls.length + unparsed.length) {
      const start = text.lastIndexOf("<|start|>");
      unparsed.push({
        raw_text: start >= 0 ? text.slice(start) : text,
        error: `${UNTERMINATED_TOOL_BLOCK_ERROR}: 'to=functions.' tool-call header without a parsable arguments payload`,
      });
    }
    return {
      message: {
        role: "assistant",
        content: parts.length > 0 ? parts : text,
        ...(toolCalls.length ? { tool_calls: toolCalls } : {}),
        ...(unparsed.length ? { unparsed_tool_calls: unparsed } : {}),
      },
      termination: "stop_sequence",
    };
  }

  /**
   * The system message routing tool calls to `commentary` and the developer message with
   * `systemPrompt` and the tool declarations, as Harmony wants them.
   */
  override createConversationPrefixWithTools(tools: readonly ToolSpec[], systemPrompt = ""): Message[] {
    const out: Message[] = [];
    if (tools.length > 0)
      out.push({
        role: INTERNAL_SYSTEM,
        content: "Calls to these tools must go to the commentary channel: 'functions'.",
      });
    const sections: string[] = [];
    if (systemPrompt) sections.push(`# Instructions\n\n${systemPrompt}`);
    if (tools.length > 0)
      sections.push(
        "# Tools\n\n## functions\n\nnamespace functions {\n\n" +
          `${tools.map(formatToolDefinition).join("\n\n")}\n\n` +
          "} // namespace functions",
      );
    if (sections.length > 0) out.push({ role: "developer", content: sections.join("\n\n") });
    return out;
  }
}

function parseHarmonyOutput(text: string): {
  parts: ContentPart[];
  toolCalls: ToolCall[];
  unparsed: UnparsedToolCall[];
} {
  const parts: ContentPart[] = [];
  const toolCalls: ToolCall[] = [];
  const unparsed: UnparsedToolCall[] = [];
  for (const msg of harmonyMessages(text)) {
    if (!pyStrip(msg.content)) continue;
    if (msg.recipient?.startsWith("functions.")) {
      const name = msg.recipient.slice("functions.".length);
      try {
        pyJsonLoads(msg.content);
        toolCalls.push({ type: "function", id: null, function: { name, arguments: pyStrip(msg.content) } });
      } catch (err) {
        if (!(err instanceof PyJsonError)) throw err;
        unparsed.push({ raw_text: msg.rawText, error: `Invalid JSON: ${err.message}` });
      }
      continue;
    }
    if (msg.channel === "analysis") parts.push({ type: "thinking", thinking: msg.content });
    else if (msg.channel === "final" || msg.channel === "commentary")
      parts.push({ type: "text", text: msg.content });
  }
  return { parts, toolCalls, unparsed };
}

// Harmony messages found by plain string search (as the cookbook does), each with its header fields.
function harmonyMessages(text: string): HarmonyMessage[] {
  const out: HarmonyMessage[] = [];
  const MESSAGE = "<|message|>";
  let idx = 0;
  for (;;) {
    const messageIdx = text.indexOf(MESSAGE, idx);
    if (messageIdx === -1) break;
    // Python's rfind(sub, idx, messageIdx): the last start wholly inside [idx, messageIdx).
    let headerStart = text.lastIndexOf("<|start|>", messageIdx - "<|start|>".length);
    if (headerStart < idx) headerStart = idx;
    const header = text.slice(headerStart, messageIdx);
    const contentStart = messageIdx + MESSAGE.length;
    let endIdx = text.length;
    let endToken = "";
    for (const token of ["<|end|>", "<|call|>", "<|return|>"]) {
      const at = text.indexOf(token, contentStart);
      if (at !== -1 && at < endIdx) {
        endIdx = at;
        endToken = token;
      }
    }
    out.push({
      channel: /<\|channel\|>([^<\s]+)/.exec(header)?.[1] ?? null,
      recipient: /to=([^\s<]+)/.exec(header)?.[1] ?? null,
      content: text.slice(contentStart, endIdx),
      rawText: endToken ? text.slice(headerStart, endIdx + endToken.length) : text.slice(headerStart),
    });
    idx = endIdx + endToken.length;
  }
  return out;
}
