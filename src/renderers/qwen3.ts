/**
 * Qwen3 (`qwen3`, `qwen3_disable_thinking`, `qwen3_instruct`): ChatML turns, reasoning in
 * `<think>` blocks framed as Qwen3's chat template frames them, tool calls as `<tool_call>` JSON
 * rewritten the way Python's `json.dumps` writes it.
 */
import type { TokenizerWithVocab } from "../tokenizer/types.js";
import {
  BaseRenderer,
  parseForStopToken,
  type RenderContext,
  type RenderedMessage,
  type WarningSink,
} from "./base.js";
import { detectUnterminatedToolBlock, hasThinking, isToolCall, parseContentBlocks } from "./content.js";
import { RendererError } from "./errors.js";
import { PyJsonError, pyJsonDumps, pyJsonLoads, pyJsonString } from "./python-json.js";
import type {
  ContentPart,
  Message,
  ParsedResponse,
  Role,
  ToolCall,
  ToolSpec,
  UnparsedToolCall,
} from "./types.js";

const lstripNl = (s: string) => s.replace(/^\n+/, "");
const stripNl = (s: string) => s.replace(/^\n+|\n+$/g, "");

// The template writes `<think>\n{reasoning}\n</think>\n\n` around the produced turn, even when empty.
const frameThinking = (reasoning: string) => `<think>\n${stripNl(reasoning)}\n</think>\n\n`;

// The inverse of frameThinking, so render → parse is the identity: padding is framing, an empty block none.
function unframeThinking(parts: readonly ContentPart[]): ContentPart[] {
  const out: ContentPart[] = [];
  let afterBlock = false;
  for (const p of parts) {
    if (p.type === "thinking") {
      const reasoning = stripNl(p.thinking);
      if (reasoning) out.push({ type: "thinking", thinking: reasoning });
      afterBlock = true;
    } else {
      out.push({ type: "text", text: afterBlock ? lstripNl(p.text) : p.text });
      afterBlock = false;
    }
  }
  return out;
}

function toolCallPayload(call: ToolCall): string {
  let args: ReturnType<typeof pyJsonLoads>;
  try {
    args = pyJsonLoads(call.function.arguments);
  } catch (err) {
    if (err instanceof PyJsonError)
      throw new RendererError(`tool call ${call.function.name}: arguments are not JSON: ${err.message}`);
    throw err;
  }
  return `{"name": ${pyJsonString(call.function.name)}, "arguments": ${pyJsonDumps(args)}}`;
}

/** Options of the Qwen3 renderers. */
export interface Qwen3Options {
  /** Drop reasoning from assistant messages before the last (default true, as Qwen3's template). */
  readonly stripThinkingFromHistory?: boolean;
}

/** Qwen3 with thinking on (`qwen3`). */
export class Qwen3Renderer extends BaseRenderer {
  name = "qwen3";
  /** Whether the produced turn gets the template's `<think>` framing (not for the 2507 instruct models). */
  protected readonly framesThinking: boolean = true;
  protected readonly stripThinkingFromHistory: boolean;

  constructor(tokenizer: TokenizerWithVocab, warn?: WarningSink, options: Qwen3Options = {}) {
    super(tokenizer, warn);
    this.stripThinkingFromHistory = options.stripThinkingFromHistory ?? true;
  }

  get hasExtensionProperty(): boolean {
    return !this.stripThinkingFromHistory;
  }

  protected get endMessageToken(): number {
    return this.singleToken("<|im_end|>");
  }

  // The template frames only a turn after the last user message (and never without one).
  private framesProducedTurn(message: Message, ctx: RenderContext): boolean {
    if (!this.framesThinking || message.role !== "assistant") return false;
    if (ctx.lastUserIndex < 0) return false;
    return ctx.isLast || !this.stripThinkingFromHistory;
  }

  /** The tokens of one message: header, content and end, each tokenized on its own. */
  protected renderMessage(message: Message, ctx: RenderContext): RenderedMessage {
    const role = message.role === "tool" ? "user" : message.role;
    const header = `${ctx.idx > 0 ? "\n" : ""}<|im_start|>${role}\n`;
    const content = message.content;
    const frames = this.framesProducedTurn(message, ctx);
    const hasReasoning = hasThinking(content);
    let out: string;
    if (typeof content !== "string") {
      let parts = content;
      if (this.stripThinkingFromHistory && message.role === "assistant" && !ctx.isLast)
        parts = parts.filter((p) => p.type !== "thinking");
      out = "";
      let afterBlock = false;
      for (const p of parts) {
        if (p.type === "thinking") {
          out += frames ? frameThinking(p.thinking) : `<think>${p.thinking}</think>`;
          afterBlock = frames;
        } else {
          out += afterBlock ? lstripNl(p.text) : p.text;
          afterBlock = false;
        }
      }
    } else if (frames && content.includes("</think>")) {
      // An inline block is normalised as the template normalises it.
      const cut = content.indexOf("</think>");
      const reasoning = content.slice(0, cut);
      const open = reasoning.lastIndexOf("<think>");
      const inner = open < 0 ? reasoning : reasoning.slice(open + "<think>".length);
      out = frameThinking(inner) + lstripNl(content.slice(cut + "</think>".length));
    } else {
      out = content;
    }
    // The separator before tool calls asks about the message's own text, not the empty block.
    const hasText = out.length > 0;
    if (frames && !hasReasoning) out = frameThinking("") + lstripNl(out);
    if (message.role === "tool") out = `<tool_response>\n${out}\n</tool_response>`;
    if (message.tool_calls !== undefined) {
      const calls = message.tool_calls.map((c) => `<tool_call>\n${toolCallPayload(c)}\n</tool_call>`);
      out += (hasText ? "\n" : "") + calls.join("\n");
    }
    return { header: this.encodeFixed(header), output: [this.encode(out, true), [this.endMessageToken]] };
  }

  /** What sampling stops on for this format. */
  getStopSequences(): number[] {
    return [this.endMessageToken];
  }

  /** The assistant message in sampled tokens, and how the response ended. */
  parseResponse(tokens: readonly number[]): ParsedResponse {
    const { content, termination } = parseForStopToken(tokens, this.tokenizer, this.endMessageToken);
    if (termination === "malformed") return { message: { role: "assistant", content }, termination };
    const blocks = parseContentBlocks(content);
    let message: {
      role: "assistant";
      content: string | ContentPart[];
      tool_calls?: ToolCall[];
      unparsed_tool_calls?: UnparsedToolCall[];
    } = { role: "assistant", content };
    if (blocks !== null) {
      message.content = this.framesThinking ? unframeThinking(blocks.parts) : blocks.parts;
      const calls = blocks.toolCalls.filter(isToolCall);
      const unparsed = blocks.toolCalls.filter((t): t is UnparsedToolCall => !isToolCall(t));
      if (calls.length) message.tool_calls = calls;
      if (unparsed.length) message.unparsed_tool_calls = unparsed;
    }
    const dangling = detectUnterminatedToolBlock(content, "<tool_call>", "</tool_call>");
    if (dangling !== null)
      message = { ...message, unparsed_tool_calls: [...(message.unparsed_tool_calls ?? []), dangling] };
    return { message, termination };
  }

  /** A system message declaring `tools` the way Qwen3's template does (after `systemPrompt`). */
  override createConversationPrefixWithTools(tools: readonly ToolSpec[], systemPrompt = ""): Message[] {
    let toolsText = "";
    if (tools.length > 0) {
      const lines = tools.map((t) => pyJsonDumps({ type: "function", function: t })).join("\n");
      toolsText =
        "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n" +
        "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n" +
        `${lines}\n</tools>\n\n` +
        "For each function call, return a json object with function name and arguments within " +
        "<tool_call></tool_call> XML tags:\n<tool_call>\n" +
        '{"name": <function-name>, "arguments": <args-json-object>}\n</tool_call>';
    }
    return [{ role: "system", content: systemPrompt ? `${systemPrompt}\n\n${toolsText}` : toolsText }];
  }
}

/** Qwen3 with thinking off (`qwen3_disable_thinking`): every produced turn starts with an empty block. */
export class Qwen3DisableThinkingRenderer extends Qwen3Renderer {
  override name = "qwen3_disable_thinking";
  protected override readonly disablesThinking = true;

  /** The tokens of one message: header, content and end, each tokenized on its own. */
  protected override renderMessage(message: Message, ctx: RenderContext): RenderedMessage {
    // Without a user message the template writes no empty block, but the prompt always opens one.
    if (message.role === "assistant" && ctx.isLast && message.content.length > 0 && ctx.lastUserIndex < 0)
      throw new RendererError(
        "this conversation has no user message, so Qwen3's template writes no empty think block on " +
          "the produced turn -- but the generation prompt always opens one. Add a user message, or " +
          "render with thinking enabled.",
      );
    return super.renderMessage(message, ctx);
  }

  protected override generationSuffix(role: Role, ctx: RenderContext): readonly number[] {
    return this.encodeFixed(`${ctx.idx > 0 ? "\n" : ""}<|im_start|>${role}\n<think>\n\n</think>\n\n`);
  }
}

/** Qwen3 2507 instruct models (`qwen3_instruct`): no `<think>` framing at all. */
export class Qwen3InstructRenderer extends Qwen3Renderer {
  override name = "qwen3_instruct";
  protected override readonly framesThinking = false;

  override get hasExtensionProperty(): boolean {
    return true;
  }
}
