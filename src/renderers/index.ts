/**
 * `tinker-ts/renderers`: chat formats per model family, token for token with tinker-cookbook's
 * renderers. A renderer builds supervised examples (ids and a loss weight per token), generation
 * prompts and stop sequences, and parses sampled tokens back into a message.
 *
 * @example
 * ```ts
 * import { loadTokenizerFromDir } from "tinker-ts";
 * import { getRenderer } from "tinker-ts/renderers";
 * const renderer = getRenderer("qwen3", loadTokenizerFromDir("./Qwen3-8B"));
 * const { modelInput, weights } = renderer.buildSupervisedExample(messages, { trainOnWhat: "last_assistant_turn" });
 * ```
 */
export { BaseRenderer, type RenderContext, type RenderedMessage, type WarningSink } from "./base.js";
export { ensureText, getTextContent, hasThinking } from "./content.js";
export {
  DeepSeekV3DisableThinkingRenderer,
  type DeepSeekV3Options,
  DeepSeekV3ThinkingRenderer,
} from "./deepseek-v3.js";
export { RendererError } from "./errors.js";
export { GptOssRenderer, type GptOssOptions, type ReasoningEffort } from "./gpt-oss.js";
export { Llama3Renderer } from "./llama3.js";
export {
  Qwen3DisableThinkingRenderer,
  Qwen3InstructRenderer,
  type Qwen3Options,
  Qwen3Renderer,
} from "./qwen3.js";
export {
  getRecommendedRendererName,
  getRecommendedRendererNames,
  getRenderer,
  RENDERER_NAMES,
  type RendererOptions,
} from "./registry.js";
export { RoleColonRenderer } from "./role-colon.js";
export type * from "./types.js";
export type { TokenizerWithVocab } from "../tokenizer/types.js";
