/**
 * What every renderer shares (the cookbook's `Renderer` base class): a renderer turns one message into
 * a header and an output, and this class assembles them into generation prompts and supervised
 * examples with the cookbook's loss-weight rules.
 */
import { ModelInput } from "../types/model-input.js";
import type { TokenizerWithVocab } from "../tokenizer/types.js";
import { RendererError } from "./errors.js";
import type {
  Message,
  ParsedResponse,
  Renderer,
  Role,
  SupervisedExample,
  ToolSpec,
  TrainOnWhat,
} from "./types.js";

/** Where a message sits in the conversation being rendered. */
export interface RenderContext {
  readonly idx: number;
  readonly isLast: boolean;
  readonly prevMessage: Message | undefined;
  readonly nextMessage: Message | undefined;
  /** Index of the last user message, -1 if none. */
  readonly lastUserIndex: number;
  /** Whether the message belongs to the turn the model is asked to produce. */
  readonly inLastAssistantTurn: boolean;
}

/** One message split for loss masking: header (never trained but with `all_tokens`), output, stop overlap. */
export interface RenderedMessage {
  readonly header?: readonly number[];
  readonly output: readonly (readonly number[])[];
  /** Tokens completing a stop sequence that spans into the next header (`role_colon`'s `User:`). */
  readonly stopOverlap?: readonly number[];
}

/** Called with each warning a renderer emits (the cookbook's `warnings.warn`). */
export type WarningSink = (message: string) => void;

const lastUserIndex = (messages: readonly Message[]) => {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]?.role === "user") return i;
  return -1;
};

/** Base of the renderers: subclasses provide `renderMessage`, stop sequences and parsing. */
export abstract class BaseRenderer implements Renderer {
  abstract readonly name: string;
  abstract readonly hasExtensionProperty: boolean;
  /** Whether the generation prompt closes the think block (a turn that reasons cannot be trained). */
  protected readonly disablesThinking: boolean = false;
  // Encodings of the pieces of the call in progress: a supervised example renders its prefix twice
  // (once more as the generation prompt it must start with), and every piece repeats.
  private memo: Map<string, number[]> | null = null;
  private readonly specialIds = new Map<string, number>();
  // Role headers and other fixed pieces: a tokenizer call costs tens of microseconds even for a few
  // characters, and a conversation has one header per message.
  private readonly fixed = new Map<string, readonly number[]>();

  constructor(
    /** The tokenizer whose ids this renderer produces. */
    readonly tokenizer: TokenizerWithVocab,
    protected readonly warn: WarningSink = () => {},
  ) {}

  /** What sampling stops on for this format. */
  abstract getStopSequences(): readonly number[] | readonly string[];
  /** The assistant message in sampled tokens, and how the response ended. */
  abstract parseResponse(tokens: readonly number[]): ParsedResponse;
  /** The tokens of one message: header, content and end, each tokenized on its own. */
  protected abstract renderMessage(message: Message, ctx: RenderContext): RenderedMessage;

  createConversationPrefixWithTools?(tools: readonly ToolSpec[], systemPrompt?: string): Message[];

  /** Ids of `text` without added special tokens; `splitSpecialTokens` reads special-token text as text. */
  protected encode(text: string, splitSpecialTokens = false): number[] {
    if (text === "") return [];
    const memo = this.memo;
    const key = splitSpecialTokens ? `\u0001${text}` : `\u0000${text}`;
    const hit = memo?.get(key);
    if (hit !== undefined) return hit;
    const ids = this.tokenizer.encode(text, { addSpecialTokens: false, splitSpecialTokens });
    memo?.set(key, ids);
    return ids;
  }

  /** Ids of a piece the renderer itself writes (a role header…), encoded once per renderer. Do not mutate. */
  protected encodeFixed(text: string): readonly number[] {
    const hit = this.fixed.get(text);
    if (hit !== undefined) return hit;
    const ids = this.tokenizer.encode(text, { addSpecialTokens: false });
    if (this.fixed.size < 1024) this.fixed.set(text, ids);
    return ids;
  }

  /** The single id of a special token's text, or a {@link RendererError}. */
  protected singleToken(text: string): number {
    const known = this.specialIds.get(text);
    if (known !== undefined) return known;
    const ids = this.tokenizer.encode(text, { addSpecialTokens: false });
    if (ids.length !== 1 || ids[0] === undefined)
      throw new RendererError(`Expected a single token for ${text}, got ${ids.length}`);
    this.specialIds.set(text, ids[0]);
    return ids[0];
  }

  /** Runs `fn` with the piece memo on (nested calls share it). */
  protected withMemo<T>(fn: () => T): T {
    if (this.memo !== null) return fn();
    this.memo = new Map();
    try {
      return fn();
    } finally {
      this.memo = null;
    }
  }

  /** The tokens a conversation starts with (the tokenizer's BOS, where this format uses one). */
  protected bosTokens(): readonly number[] {
    return [];
  }

  /** Tokens opening the turn of `role` after the conversation: by default an empty message's header. */
  protected generationSuffix(role: Role, ctx: RenderContext): readonly number[] {
    return this.renderMessage({ role, content: "" }, ctx).header ?? [];
  }

  /** Index of the first message of the turn being produced: the one after the last user message. */
  protected lastAssistantTurnStartIndex(messages: readonly Message[]): number {
    return lastUserIndex(messages) + 1;
  }

  private context(messages: readonly Message[], idx: number, lastUser: number, turnStart: number) {
    return {
      idx,
      isLast: idx === messages.length - 1,
      prevMessage: idx > 0 ? messages[idx - 1] : undefined,
      nextMessage: messages[idx + 1],
      lastUserIndex: lastUser,
      inLastAssistantTurn: idx >= turnStart,
    };
  }

  /** The prompt to sample the next assistant message from. */
  buildGenerationPrompt(
    messages: readonly Message[],
    options: { readonly prefill?: string; readonly role?: Role } = {},
  ): ModelInput {
    return this.withMemo(() => {
      const tokens: number[] = [...this.bosTokens()];
      const lastUser = lastUserIndex(messages);
      const turnStart = this.lastAssistantTurnStartIndex(messages);
      messages.forEach((message, idx) => {
        const rendered = this.renderMessage(message, this.context(messages, idx, lastUser, turnStart));
        if (rendered.header) tokens.push(...rendered.header);
        for (const part of rendered.output) tokens.push(...part);
      });
      const suffixCtx: RenderContext = {
        idx: messages.length,
        isLast: true,
        prevMessage: messages[messages.length - 1],
        nextMessage: undefined,
        lastUserIndex: lastUser,
        inLastAssistantTurn: true,
      };
      tokens.push(...this.generationSuffix(options.role ?? "assistant", suffixCtx));
      if (options.prefill) tokens.push(...this.encode(options.prefill));
      return ModelInput.fromInts(tokens);
    });
  }

  buildSupervisedExample(
    messages: readonly Message[],
    options: { readonly trainOnWhat?: TrainOnWhat } = {},
  ): SupervisedExample {
    const trainOnWhat = options.trainOnWhat ?? "last_assistant_message";
    return this.withMemo(() => {
      const tokens: number[] = [];
      const weights: number[] = [];
      const push = (ids: readonly number[], w: number) => {
        for (const id of ids) {
          tokens.push(id);
          weights.push(w);
        }
      };
      push(this.bosTokens(), 0);
      const lastUser = lastUserIndex(messages);
      const turnStart = this.lastAssistantTurnStartIndex(messages.slice(0, -1));
      messages.forEach((message, idx) => {
        if (trainOnWhat === "customized" && message.trainable === undefined)
          throw new RendererError(
            "When using CUSTOMIZED train_on_what, each message must have a trainable field",
          );
        if (trainOnWhat !== "customized" && message.trainable !== undefined)
          throw new RendererError(
            "When using non-CUSTOMIZED train_on_what, each message must not have a trainable field",
          );
        const ctx = this.context(messages, idx, lastUser, turnStart);
        const rendered = this.renderMessage(message, ctx);
        if (rendered.header) push(rendered.header, trainOnWhat === "all_tokens" ? 1 : 0);
        const w = this.outputIsTrained(message, ctx, trainOnWhat) ? 1 : 0;
        for (const part of rendered.output) push(part, w);
        if (ctx.isLast && rendered.stopOverlap) push(rendered.stopOverlap, w);
      });
      this.trainAfterGenerationPrompt(messages, trainOnWhat, tokens, weights);
      return { modelInput: ModelInput.fromInts(tokens), weights };
    });
  }

  /**
   * Withholds loss from everything the generation prompt of the trained turn would have supplied
   * (e.g. a prefilled `<think>`), when the example starts with that prompt. When it does not, a
   * renderer that closes the think block refuses (the turn reasons after being told not to); any
   * other keeps the weights, as the cookbook does.
   */
  private trainAfterGenerationPrompt(
    messages: readonly Message[],
    trainOnWhat: TrainOnWhat,
    tokens: readonly number[],
    weights: number[],
  ): void {
    const boundary = firstTrainedMessageIndex(messages, trainOnWhat);
    if (boundary === null) return;
    const prompt = this.buildGenerationPrompt(messages.slice(0, boundary)).toInts();
    const starts = prompt.length <= tokens.length && prompt.every((t, i) => tokens[i] === t);
    if (!starts) {
      if (this.disablesThinking)
        throw new RendererError(
          `${this.name} has thinking turned off: its generation prompt closes the think block, which ` +
            "tells the model not to reason. This turn contains reasoning, so training on it would teach " +
            "the model to reason anyway. Either use the thinking version of this renderer, or remove " +
            "the reasoning from this turn.",
        );
      return;
    }
    weights.fill(0, 0, prompt.length);
  }

  /** Whether this message's output carries loss under `trainOnWhat`. */
  protected outputIsTrained(message: Message, ctx: RenderContext, trainOnWhat: TrainOnWhat): boolean {
    const isAssistant = message.role === "assistant";
    switch (trainOnWhat) {
      case "last_assistant_message":
        return ctx.isLast && isAssistant;
      case "last_assistant_turn":
        return isAssistant && ctx.inLastAssistantTurn;
      case "all_assistant_messages":
        return isAssistant;
      case "all_messages":
      case "all_tokens":
        return true;
      case "all_user_and_system_messages":
        return message.role === "user" || message.role === "system";
      case "customized":
        return message.trainable ?? false;
      default:
        throw new RendererError(`Unknown train_on_what: ${String(trainOnWhat)}`);
    }
  }
}

/** The message the generation prompt stops before, for the modes that train "the turn sampling produces". */
function firstTrainedMessageIndex(messages: readonly Message[], trainOnWhat: TrainOnWhat): number | null {
  let boundary: number;
  if (trainOnWhat === "last_assistant_message") boundary = messages.length - 1;
  else if (trainOnWhat === "last_assistant_turn") boundary = lastUserIndex(messages) + 1;
  else return null;
  if (boundary < 0 || boundary >= messages.length) return null;
  return messages[boundary]?.role === "assistant" ? boundary : null;
}

/**
 * Splits sampled tokens at the one stop token: `stop_sequence` with the text before it, `malformed`
 * with all the text when it is missing; two or more is a sampler misconfiguration and throws.
 */
export function parseForStopToken(
  tokens: readonly number[],
  tokenizer: TokenizerWithVocab,
  stopToken: number,
): { content: string; termination: "stop_sequence" | "malformed" } {
  let n = 0;
  let at = -1;
  tokens.forEach((t, i) => {
    if (t === stopToken) {
      n++;
      if (at < 0) at = i;
    }
  });
  if (n === 0) return { content: tokenizer.decode(tokens), termination: "malformed" };
  if (n === 1) return { content: tokenizer.decode(tokens.slice(0, at)), termination: "stop_sequence" };
  throw new RendererError(
    `When parsing response, expected to split into 1 or 2 pieces using stop tokens, but got ${n}. ` +
      "You probably are using the wrong stop tokens when sampling",
  );
}
