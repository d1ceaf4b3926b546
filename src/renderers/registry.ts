/** Renderers by name (the cookbook's `get_renderer`) and the renderer each model is meant for. */
import type { TokenizerWithVocab } from "../tokenizer/types.js";
import type { BaseRenderer, WarningSink } from "./base.js";
import { DeepSeekV3DisableThinkingRenderer, DeepSeekV3ThinkingRenderer } from "./deepseek-v3.js";
import { RendererError } from "./errors.js";
import { GptOssRenderer } from "./gpt-oss.js";
import { Llama3Renderer } from "./llama3.js";
import { Qwen3DisableThinkingRenderer, Qwen3InstructRenderer, Qwen3Renderer } from "./qwen3.js";
import { RoleColonRenderer } from "./role-colon.js";
import type { Renderer } from "./types.js";

/** Options of {@link getRenderer}. */
export interface RendererOptions {
  /**
   * The `Current date:` the gpt-oss `*_reasoning` renderers print in their system prompt
   * (`YYYY-MM-DD`); default today. Fix it for reproducible examples.
   */
  readonly currentDate?: string;
  /** Receives the renderer's warnings (e.g. a gpt-oss tool result without `name`); default `process.emitWarning`. */
  readonly onWarning?: WarningSink;
}

/** `deepseekv3_disable_thinking`: the same renderer as `deepseekv3` under its older name. */
class DeepSeekV3DisableThinkingAlias extends DeepSeekV3DisableThinkingRenderer {
  override readonly name = "deepseekv3_disable_thinking";
}

type Factory = (tokenizer: TokenizerWithVocab, warn: WarningSink, options: RendererOptions) => BaseRenderer;

const FACTORIES: Readonly<Record<string, Factory>> = {
  role_colon: (t, w) => new RoleColonRenderer(t, w),
  llama3: (t, w) => new Llama3Renderer(t, w),
  qwen3: (t, w) => new Qwen3Renderer(t, w),
  qwen3_disable_thinking: (t, w) => new Qwen3DisableThinkingRenderer(t, w),
  qwen3_instruct: (t, w) => new Qwen3InstructRenderer(t, w),
  deepseekv3: (t, w) => new DeepSeekV3DisableThinkingRenderer(t, w),
  deepseekv3_disable_thinking: (t, w) => new DeepSeekV3DisableThinkingAlias(t, w),
  deepseekv3_thinking: (t, w) => new DeepSeekV3ThinkingRenderer(t, w),
  gpt_oss_no_sysprompt: (t, w) => new GptOssRenderer(t, w),
  gpt_oss_low_reasoning: (t, w, o) => gptOss(t, w, o, "low"),
  gpt_oss_medium_reasoning: (t, w, o) => gptOss(t, w, o, "medium"),
  gpt_oss_high_reasoning: (t, w, o) => gptOss(t, w, o, "high"),
};

function gptOss(
  t: TokenizerWithVocab,
  w: WarningSink,
  o: RendererOptions,
  effort: "low" | "medium" | "high",
) {
  return new GptOssRenderer(
    t,
    w,
    o.currentDate === undefined
      ? { reasoningEffort: effort }
      : { reasoningEffort: effort, currentDate: o.currentDate },
  );
}

/** The renderer names {@link getRenderer} knows. */
export const RENDERER_NAMES: readonly string[] = Object.keys(FACTORIES);

const emitWarning: WarningSink = (message) => process.emitWarning(message, { code: "TINKER_RENDERER" });

/**
 * The renderer called `name` (`qwen3`, `llama3`, `deepseekv3`, `gpt_oss_medium_reasoning`,
 * `role_colon`, … see {@link RENDERER_NAMES}) producing ids of `tokenizer`; throws
 * {@link RendererError} for an unknown name.
 */
export function getRenderer(
  name: string,
  tokenizer: TokenizerWithVocab,
  options: RendererOptions = {},
): Renderer {
  const factory = Object.hasOwn(FACTORIES, name) ? FACTORIES[name] : undefined;
  if (factory === undefined)
    throw new RendererError(`Unknown renderer: ${name}. Known renderers: ${RENDERER_NAMES.join(", ")}`);
  return factory(tokenizer, options.onWarning ?? emitWarning, options);
}

const LLAMA3 = ["llama3"];
const ROLE_COLON = ["role_colon"];
const QWEN3 = ["qwen3", "qwen3_disable_thinking"];
const QWEN3_INSTRUCT = ["qwen3_instruct"];
const DEEPSEEKV3 = ["deepseekv3", "deepseekv3_thinking"];
const GPT_OSS = ["gpt_oss_no_sysprompt", "gpt_oss_medium_reasoning"];

// The cookbook's model_info table, for the models whose renderers tinker-ts has.
const MODELS: Readonly<Record<string, readonly string[]>> = {
  "meta-llama/Llama-3.1-8B-Instruct": LLAMA3,
  "meta-llama/Llama-3.3-70B-Instruct": LLAMA3,
  "meta-llama/Llama-3.2-1B": ROLE_COLON,
  "meta-llama/Llama-3.2-3B": ROLE_COLON,
  "meta-llama/Llama-3.1-8B": ROLE_COLON,
  "meta-llama/Llama-3.1-70B": ROLE_COLON,
  "Qwen/Qwen3-8B-Base": ROLE_COLON,
  "Qwen/Qwen3-30B-A3B-Base": ROLE_COLON,
  "Qwen/Qwen3-8B": QWEN3,
  "Qwen/Qwen3-32B": QWEN3,
  "Qwen/Qwen3-30B-A3B": QWEN3,
  "Qwen/Qwen3-4B-Instruct-2507": QWEN3_INSTRUCT,
  "Qwen/Qwen3-30B-A3B-Instruct-2507": QWEN3_INSTRUCT,
  "Qwen/Qwen3-235B-A22B-Instruct-2507": QWEN3_INSTRUCT,
  "Qwen/Qwen3.5-9B-Base": ROLE_COLON,
  "Qwen/Qwen3.5-35B-A3B-Base": ROLE_COLON,
  "deepseek-ai/DeepSeek-V3.1": DEEPSEEKV3,
  "deepseek-ai/DeepSeek-V3.1-Base": ROLE_COLON,
  "openai/gpt-oss-20b": GPT_OSS,
  "openai/gpt-oss-120b": GPT_OSS,
};

/**
 * The renderers designed for `modelName` (a `:checkpoint` suffix is ignored), most recommended first,
 * as the cookbook's `get_recommended_renderer_names`; throws {@link RendererError} for a model whose
 * renderer tinker-ts does not have (Qwen3-VL, Qwen3.5+, Kimi, Nemotron…).
 */
export function getRecommendedRendererNames(modelName: string): readonly string[] {
  const base = modelName.split(":", 1)[0] as string;
  const names = Object.hasOwn(MODELS, base) ? MODELS[base] : undefined;
  if (names === undefined) throw new RendererError(`No renderer known for model ${base}`);
  return names;
}

/** The most recommended renderer for `modelName` (e.g. `Qwen/Qwen3-8B` → `qwen3`). */
export function getRecommendedRendererName(modelName: string): string {
  return getRecommendedRendererNames(modelName)[0] as string;
}
