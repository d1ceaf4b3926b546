/**
 * DeepSeek V3.1 (`deepseekv3` = `deepseekv3_disable_thinking`, `deepseekv3_thinking`): `<｜User｜>` /
 * `<｜Assistant｜>` role tokens, `</think>` opening an answer that does not reason, DeepSeek's own
 * tool-call tokens. Tool-call arguments are copied as written.
 */
import type { TokenizerWithVocab } from "../tokenizer/types.js";
import {
  BaseRenderer,
  parseForStopToken,
  type RenderContext,
  type RenderedMessage,
  type WarningSink,
} from "./base.js";
import {
  detectUnterminatedToolBlock,
  ensureText,
  hasThinking,
  parseThinkBlocks,
  pyStrip,
} from "./content.js";
import { RendererError } from "./errors.js";
import { PyJsonError, pyJsonDumps, pyJsonLoads } from "./python-json.js";
import type { Message, ParsedResponse, Role, ToolCall, ToolSpec, UnparsedToolCall } from "./types.js";

const SEP = "\uff5c"; // ｜, the fullwidth bar of DeepSeek's special tokens
const special = (name: string) => `<${SEP}${name}${SEP}>`;
const CALLS_BEGIN = special("tool▁calls▁begin");
const CALLS_END = special("tool▁calls▁end");
const CALL_BEGIN = special("tool▁call▁begin");
const CALL_END = special("tool▁call▁end");
const CALL_SEP = special("tool▁sep");
const OUTPUT_BEGIN = special("tool▁output▁begin");
const OUTPUT_END = special("tool▁output▁end");

/** Options of the DeepSeek renderers. */
export interface DeepSeekV3Options {
  /** Render a system message after the first as a user turn instead of refusing it (default false). */
  readonly systemRoleAsUser?: boolean;
  /** Drop reasoning from assistant messages before the last (default true, as DeepSeek's template). */
  readonly stripThinkingFromHistory?: boolean;
}

abstract class DeepSeekV3BaseRenderer extends BaseRenderer {
  protected readonly systemRoleAsUser: boolean;
  protected readonly stripThinkingFromHistory: boolean;

  constructor(tokenizer: TokenizerWithVocab, warn?: WarningSink, options: DeepSeekV3Options = {}) {
    super(tokenizer, warn);
    this.systemRoleAsUser = options.systemRoleAsUser ?? false;
    this.stripThinkingFromHistory = options.stripThinkingFromHistory ?? true;
  }

  get hasExtensionProperty(): boolean {
    return !this.stripThinkingFromHistory;
  }

  protected get endMessageToken(): number {
    return this.singleToken(special("end▁of▁sentence"));
  }

  /** The tokens a conversation starts with (the tokenizer's BOS, where this format uses one). */
  protected override bosTokens(): readonly number[] {
    return [this.singleToken(special("begin▁of▁sentence"))];
  }

  /** The tokens of one message: header, content and end, each tokenized on its own. */
  protected renderMessage(message: Message, ctx: RenderContext): RenderedMessage {
    const followsTool = ctx.prevMessage?.role === "tool";
    const content = message.content;
    let header: number[] = [];
    let out: string;
    switch (message.role) {
      case "system":
        out = ensureText(content);
        if (ctx.idx === 0) break;
        if (!this.systemRoleAsUser)
          throw new RendererError(
            "DeepSeek only supports system message at start. " +
              "Use system_role_as_user=True to convert later system messages to user role.",
          );
        header = [this.singleToken(special("User"))];
        break;
      case "user":
        header = [this.singleToken(special("User"))];
        out = ensureText(content);
        break;
      case "assistant": {
        const hasCalls = (message.tool_calls?.length ?? 0) > 0;
        const strip = this.stripThinkingFromHistory && !hasCalls && !ctx.isLast;
        out =
          typeof content === "string"
            ? content
            : content
                .map((p) => (p.type === "text" ? p.text : strip ? "" : `<think>${p.thinking}</think>`))
                .join("");
        // After a tool result the answer flows on without a role token.
        if (!followsTool) header = [this.singleToken(special("Assistant"))];
        break;
      }
      case "tool":
        header = [...this.encodeFixed(OUTPUT_BEGIN)];
        out = ensureText(content) + OUTPUT_END;
        break;
      default:
        throw new RendererError(`Unsupported role: ${message.role}`);
    }
    if (message.tool_calls?.length) {
      out += CALLS_BEGIN;
      for (const c of message.tool_calls)
        out += `${CALL_BEGIN}${c.function.name}${CALL_SEP}${c.function.arguments}${CALL_END}`;
      out += CALLS_END;
    }
    const output = [...this.encode(out)];
    if (message.role === "assistant" && message.content.length > 0) output.push(this.endMessageToken);
    return header.length > 0 ? { header, output: [output] } : { output: [output] };
  }

  /** What sampling stops on for this format. */
  getStopSequences(): number[] {
    return [this.endMessageToken];
  }

  /** Restores tokens the generation prompt prefilled before parsing (none by default). */
  protected normalizeResponse(tokens: readonly number[]): readonly number[] {
    return tokens;
  }

  /** The assistant message in sampled tokens, and how the response ended. */
  parseResponse(tokens: readonly number[]): ParsedResponse {
    const sampled = this.normalizeResponse(tokens);
    const { content: text, termination } = parseForStopToken(sampled, this.tokenizer, this.endMessageToken);
    if (termination === "malformed") return { message: { role: "assistant", content: text }, termination };
    const { calls, unparsed } = parseDeepSeekToolCalls(text);
    const dangling =
      detectUnterminatedToolBlock(text, CALLS_BEGIN, CALLS_END) ??
      detectUnterminatedToolBlock(text, CALL_BEGIN, CALL_END);
    if (dangling !== null) unparsed.push(dangling);
    let content = text;
    if (calls.length || unparsed.length) {
      content = pyStrip(content.replace(/\s*<｜tool▁calls▁begin｜>[\s\S]*?<｜tool▁calls▁end｜>/g, ""));
    }
    const parts = parseThinkBlocks(content);
    return {
      message: {
        role: "assistant",
        content: parts ?? content,
        ...(calls.length ? { tool_calls: calls } : {}),
        ...(unparsed.length ? { unparsed_tool_calls: unparsed } : {}),
      },
      termination,
    };
  }

  /** A system message declaring `tools` in DeepSeek V3.1's format (after `systemPrompt`). */
  override createConversationPrefixWithTools(tools: readonly ToolSpec[], systemPrompt = ""): Message[] {
    let toolsText = "";
    if (tools.length > 0) {
      const blocks = tools.map(
        (t) =>
          `### ${t.name}\nDescription: ${t.description ?? ""}\n\nParameters: ${pyJsonDumps(t.parameters ?? null)}`,
      );
      toolsText =
        "\n\n## Tools\nYou have access to the following tools:\n\n" +
        `${blocks.join("\n")}\n\n` +
        "IMPORTANT: ALWAYS adhere to this exact format for tool use:\n" +
        `${CALLS_BEGIN}${CALL_BEGIN}tool_call_name${CALL_SEP}tool_call_arguments${CALL_END}${CALLS_END}\n\n` +
        "Where:\n" +
        "- `tool_call_name` must be an exact match to one of the available tools\n" +
        "- `tool_call_arguments` must be valid JSON that strictly follows the tool's Parameters Schema\n" +
        "- For multiple tool calls, chain them directly without separators or spaces";
    }
    return [{ role: "system", content: systemPrompt + toolsText }];
  }
}

// Python's `\w` in a str pattern: letters, numbers and the underscore.
const CALL_RE = /<｜tool▁call▁begin｜>([\p{L}\p{N}_]+)<｜tool▁sep｜>([\s\S]*?)<｜tool▁call▁end｜>/gu;

function parseDeepSeekToolCalls(content: string): { calls: ToolCall[]; unparsed: UnparsedToolCall[] } {
  const calls: ToolCall[] = [];
  const unparsed: UnparsedToolCall[] = [];
  const section = /<｜tool▁calls▁begin｜>([\s\S]*?)<｜tool▁calls▁end｜>/.exec(content);
  if (section === null) return { calls, unparsed };
  for (const m of (section[1] as string).matchAll(CALL_RE)) {
    const args = pyStrip(m[2] as string);
    try {
      pyJsonLoads(args);
      calls.push({ type: "function", id: null, function: { name: m[1] as string, arguments: args } });
    } catch (err) {
      if (!(err instanceof PyJsonError)) throw err;
      unparsed.push({ raw_text: m[0], error: `Invalid JSON: ${err.message}` });
    }
  }
  return { calls, unparsed };
}

/** DeepSeek V3.1 without reasoning (`deepseekv3`, `deepseekv3_disable_thinking`): `</think>` opens each answer. */
export class DeepSeekV3DisableThinkingRenderer extends DeepSeekV3BaseRenderer {
  readonly name: string = "deepseekv3";

  override get hasExtensionProperty(): boolean {
    return true;
  }

  /** The tokens of one message: header, content and end, each tokenized on its own. */
  protected override renderMessage(message: Message, ctx: RenderContext): RenderedMessage {
    const followsTool = ctx.prevMessage?.role === "tool";
    if (message.role !== "assistant" || followsTool) return super.renderMessage(message, ctx);
    const c = message.content;
    const text =
      typeof c === "string"
        ? c.replace(/<think>[\s\S]*?<\/think>/g, "")
        : c.map((p) => (p.type === "text" ? p.text : "")).join("");
    const rendered = super.renderMessage({ ...message, content: text }, ctx);
    // `</think>` goes in the header (weight 0), so the example matches the generation prompt.
    return { ...rendered, header: [...(rendered.header ?? []), ...this.encodeFixed("</think>")] };
  }
}

/** DeepSeek V3.1 reasoning (`deepseekv3_thinking`): the prompt prefills `<think>`. */
export class DeepSeekV3ThinkingRenderer extends DeepSeekV3BaseRenderer {
  readonly name = "deepseekv3_thinking";

  /** The tokens of one message: header, content and end, each tokenized on its own. */
  protected override renderMessage(message: Message, ctx: RenderContext): RenderedMessage {
    const rendered = super.renderMessage(message, ctx);
    const followsTool = ctx.prevMessage?.role === "tool";
    const isAssistantTurn = message.role === "assistant" && !followsTool;
    // History gets `</think>` in its header, as the template writes it.
    if (isAssistantTurn && this.stripThinkingFromHistory && !ctx.isLast)
      return { ...rendered, header: [...(rendered.header ?? []), ...this.encodeFixed("</think>")] };
    // A produced turn that did not reason gets the empty block the template writes.
    if (isAssistantTurn && ctx.isLast && message.content.length > 0 && !hasThinking(message.content)) {
      const [first = [], ...rest] = rendered.output;
      return { ...rendered, output: [[...this.encodeFixed("<think></think>"), ...first], ...rest] };
    }
    return rendered;
  }

  /** The prompt to sample the next assistant message from. */
  override buildGenerationPrompt(
    messages: readonly Message[],
    options: { readonly prefill?: string; readonly role?: Role } = {},
  ) {
    // After a tool result the conversation stays in non-thinking mode: no `<think>` prefill.
    if (messages[messages.length - 1]?.role === "tool") return super.buildGenerationPrompt(messages, options);
    return super.buildGenerationPrompt(messages, { ...options, prefill: `<think>${options.prefill ?? ""}` });
  }

  // The prefilled `<think>` is not in the sampled tokens; put it back when a `</think>` shows it was
  // there. Tokenizers without a single `<think>` token (DeepSeek-V3's own files) leave them as they are.
  protected override normalizeResponse(tokens: readonly number[]): readonly number[] {
    const open = this.tokenizer.tokenToId("<think>");
    const close = this.tokenizer.tokenToId("</think>");
    if (open === undefined || close === undefined) return tokens;
    if (tokens[0] !== open && tokens.includes(close)) return [open, ...tokens];
    return tokens;
  }
}
