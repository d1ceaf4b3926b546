/** Message-content helpers shared by the renderers (the cookbook's `renderers/base.py` utilities). */
import { RendererError } from "./errors.js";
import { isPyObject, PyJsonError, pyJsonDumps, pyJsonLoads } from "./python-json.js";
import type { ContentPart, Message, ToolCall, UnparsedToolCall } from "./types.js";

/** The content as one string; throws {@link RendererError} for anything but text. */
export function ensureText(content: Message["content"]): string {
  if (typeof content === "string") return content;
  const [only] = content;
  if (content.length === 1 && only?.type === "text") return only.text;
  throw new RendererError(`Expected text content, got multimodal content with ${content.length} parts`);
}

/** The content as a list of parts (a string becomes one text part). */
export function ensureList(content: Message["content"]): readonly ContentPart[] {
  return typeof content === "string" ? [{ type: "text", text: content }] : content;
}

/** Whether the content carries reasoning: a thinking part, or `<think>` in a string. */
export function hasThinking(content: Message["content"]): boolean {
  if (typeof content === "string") return content.includes("<think>");
  return content.some((p) => p.type === "thinking");
}

/** The text parts of a message, joined (thinking left out). */
export function getTextContent(message: Message): string {
  const c = message.content;
  if (typeof c === "string") return c;
  return c.map((p) => (p.type === "text" ? p.text : "")).join("");
}

/** Whether a message has content, as Python's truthiness sees it (non-empty string or list). */

// Python's str.strip() whitespace (str.isspace), which differs from JavaScript's trim() at U+FEFF.
const PY_WS =
  "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
const PY_STRIP = new RegExp(`^[${PY_WS}]+|[${PY_WS}]+$`, "g");
/** Python's `str.strip()`. */
export const pyStrip = (s: string): string => s.replace(PY_STRIP, "");

/** The cookbook's tool-call errors start with these (compare up to the first `:`). */
export const UNTERMINATED_TOOL_BLOCK_ERROR = "unterminated tool block";

/** A tool call whose JSON `tool_call` text (`{"name": …, "arguments": {…}}`) is read as Qwen3 writes it. */
export function parseToolCallJson(json: string, rawText: string): ToolCall | UnparsedToolCall {
  let value: ReturnType<typeof pyJsonLoads>;
  try {
    value = pyJsonLoads(pyStrip(json));
  } catch (err) {
    if (err instanceof PyJsonError) return { raw_text: rawText, error: `Invalid JSON: ${err.message}` };
    throw err;
  }
  if (!isPyObject(value)) return { raw_text: rawText, error: "Tool call is not a JSON object" };
  const name = value.get("name");
  const args = value.get("arguments");
  const id = value.get("id");
  if (typeof name !== "string") return { raw_text: rawText, error: "Missing or invalid 'name' field" };
  if (args === undefined || args === null || !isPyObject(args))
    return { raw_text: rawText, error: "Missing or invalid 'arguments' field" };
  return {
    type: "function",
    id: typeof id === "string" ? id : null,
    function: { name, arguments: pyJsonDumps(args) },
  };
}

export const isToolCall = (t: ToolCall | UnparsedToolCall): t is ToolCall => "function" in t;

/**
 * Splits `<think>…</think>` and `<tool_call>…</tool_call>` blocks out of a response, keeping the text
 * between them exactly; `null` when there is neither tag.
 */
export function parseContentBlocks(
  content: string,
): { parts: ContentPart[]; toolCalls: Array<ToolCall | UnparsedToolCall> } | null {
  if (!content.includes("<think>") && !content.includes("<tool_call>")) return null;
  const parts: ContentPart[] = [];
  const toolCalls: Array<ToolCall | UnparsedToolCall> = [];
  let pos = 0;
  for (const m of content.matchAll(/<think>([\s\S]*?)<\/think>|<tool_call>([\s\S]*?)<\/tool_call>/g)) {
    const before = content.slice(pos, m.index);
    if (before) parts.push({ type: "text", text: before });
    if (m[1] !== undefined) {
      if (m[1]) parts.push({ type: "thinking", thinking: m[1] });
    } else {
      toolCalls.push(parseToolCallJson(m[2] as string, m[0]));
    }
    pos = m.index + m[0].length;
  }
  const rest = content.slice(pos);
  if (rest) parts.push({ type: "text", text: rest });
  return { parts, toolCalls };
}

/** Splits `<think>…</think>` blocks out of a response; `null` when there is none. */
export function parseThinkBlocks(content: string): ContentPart[] | null {
  if (!content.includes("<think>")) return null;
  const parts: ContentPart[] = [];
  let pos = 0;
  for (const m of content.matchAll(/<think>([\s\S]*?)<\/think>/g)) {
    const before = content.slice(pos, m.index);
    if (before) parts.push({ type: "text", text: before });
    if (m[1]) parts.push({ type: "thinking", thinking: m[1] });
    pos = m.index + m[0].length;
  }
  const rest = content.slice(pos);
  if (rest) parts.push({ type: "text", text: rest });
  return parts;
}

const MAX_DETAIL = 16384;
const count = (s: string, sub: string) => s.split(sub).length - 1;

/** A tool block opened (`open`) more often than closed, reported as an unparsed call; else `null`. */
export function detectUnterminatedToolBlock(
  content: string,
  open: string,
  close: string,
): UnparsedToolCall | null {
  const opens = count(content, open);
  if (opens === 0 || opens <= count(content, close)) return null;
  return {
    raw_text: content.slice(content.lastIndexOf(open)).slice(0, MAX_DETAIL),
    error: `${UNTERMINATED_TOOL_BLOCK_ERROR}: '${open}' opened without a matching '${close}'`,
  };
}
