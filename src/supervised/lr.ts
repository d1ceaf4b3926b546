/**
 * Learning rates as tinker-cookbook picks them: `getLr(modelName)` from the model's hidden size
 * (`hyperparam_utils.py`), and the schedules of `utils/lr_scheduling.py`.
 */
import { SupervisedError } from "./errors.js";

/** Hidden sizes of the models in the cookbook's lineup (its `_KNOWN_HIDDEN_SIZES`). */
export const KNOWN_HIDDEN_SIZES: Readonly<Record<string, number>> = {
  "meta-llama/Llama-3.2-1B": 2048,
  "meta-llama/Llama-3.2-3B": 3072,
  "meta-llama/Llama-3.1-8B": 4096,
  "meta-llama/Llama-3.1-8B-Instruct": 4096,
  "meta-llama/Llama-3.1-70B": 8192,
  "meta-llama/Llama-3.3-70B-Instruct": 8192,
  "deepseek-ai/DeepSeek-V3.1": 7168,
  "deepseek-ai/DeepSeek-V3.1-Base": 7168,
  "moonshotai/Kimi-K2-Thinking": 7168,
  "moonshotai/Kimi-K2.5": 7168,
  "moonshotai/Kimi-K2.6": 7168,
  "Qwen/Qwen3-235B-A22B-Instruct-2507": 4096,
  "Qwen/Qwen3-30B-A3B-Instruct-2507": 2048,
  "Qwen/Qwen3-30B-A3B": 2048,
  "Qwen/Qwen3-30B-A3B-Base": 2048,
  "Qwen/Qwen3-32B": 5120,
  "Qwen/Qwen3-8B": 4096,
  "Qwen/Qwen3-8B-Base": 4096,
  "Qwen/Qwen3-4B-Instruct-2507": 2560,
  "Qwen/Qwen3-VL-235B-A22B-Instruct": 4096,
  "Qwen/Qwen3-VL-30B-A3B-Instruct": 2048,
  "Qwen/Qwen3.5-397B-A17B": 4096,
  "Qwen/Qwen3.5-35B-A3B": 2048,
  "Qwen/Qwen3.5-35B-A3B-Base": 2048,
  "Qwen/Qwen3.5-27B": 5120,
  "Qwen/Qwen3.5-9B": 4096,
  "Qwen/Qwen3.5-9B-Base": 4096,
  "Qwen/Qwen3.5-4B": 2560,
  "Qwen/Qwen3.6-27B": 5120,
  "Qwen/Qwen3.6-35B-A3B": 2048,
  "Qwen/Qwen3.8-27B": 5120,
  "openai/gpt-oss-120b": 2880,
  "openai/gpt-oss-20b": 2880,
  "nvidia/NVIDIA-Nemotron-3-Ultra-550B-A55B-BF16": 8192,
  "nvidia/NVIDIA-Nemotron-3-Super-120B-A12B-BF16": 4096,
  "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16": 2688,
  "nvidia/NVIDIA-Nemotron-3.5-Lightning-30B-A3B-BF16": 2688,
  "thinkingmachines/Inkling": 6144,
  "thinkingmachines/Inkling-Small": 4096,
};

/** Models the cookbook knows but has no calibrated formula for: it refuses them too. */
const UNCALIBRATED = new Set([
  "deepseek-ai/DeepSeek-V3.1",
  "openai/gpt-oss-20b",
  "openai/gpt-oss-120b",
  "moonshotai/Kimi-K2.6",
  "nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16",
  "nvidia/NVIDIA-Nemotron-3-Super-120B-A12B-BF16",
  "nvidia/NVIDIA-Nemotron-3-Ultra-550B-A55B-BF16",
  "nvidia/NVIDIA-Nemotron-3.5-Lightning-30B-A3B-BF16",
]);

/** Options of {@link getLr}. */
export interface GetLrOptions {
  /** LoRA (default) gets the cookbook's 10× multiplier over full fine-tuning. */
  readonly isLora?: boolean;
  /** Hidden size, for a model outside {@link KNOWN_HIDDEN_SIZES} (the cookbook would read the model's config from the hub; we never download). */
  readonly hiddenSize?: number;
}

/**
 * The cookbook's recommended learning rate: 5e-5 (×10 for LoRA) × (2000 / hidden size)^e, with
 * e = 0.781 for Llama and 0.0775 for Qwen models. Throws `SupervisedError` (`CONFIGURATION`) for other
 * families, for the models the cookbook has not calibrated, and when the hidden size is unknown.
 */
export function getLr(modelName: string, options: GetLrOptions = {}): number {
  const lower = modelName.toLowerCase();
  let exponent: number;
  if (lower.includes("llama")) exponent = 0.781;
  else if (lower.includes("qwen")) exponent = 0.0775;
  else if (modelName.startsWith("thinkingmachines/Inkling") || UNCALIBRATED.has(modelName)) {
    throw new SupervisedError(
      `the learning rate formula for ${modelName} is not yet calibrated; specify a learning rate`,
      "CONFIGURATION",
    );
  } else throw new SupervisedError(`unknown model: ${modelName}`, "CONFIGURATION");
  const hidden = KNOWN_HIDDEN_SIZES[modelName] ?? options.hiddenSize;
  if (hidden === undefined) {
    throw new SupervisedError(
      `hidden size of ${modelName} unknown; pass options.hiddenSize`,
      "CONFIGURATION",
    );
  }
  const base = 5e-5 * (options.isLora === false ? 1 : 10);
  return base * (2000 / hidden) ** exponent;
}

/** The cookbook's schedules: the multiplier of the base learning rate at each step. */
export type LrSchedule = "linear" | "cosine" | "constant";

/**
 * The learning-rate multiplier at `step` (0-based) of `totalSteps`: linear `1 − step/total`, cosine
 * `½(1 + cos(π·step/total))`, constant `1` (the cookbook's `compute_schedule_lr_multiplier`).
 */
export function lrMultiplier(schedule: LrSchedule, step: number, totalSteps: number): number {
  if (!(totalSteps > 0))
    throw new SupervisedError(`totalSteps must be positive, got ${totalSteps}`, "CONFIGURATION");
  switch (schedule) {
    case "linear":
      return 1 - step / totalSteps;
    case "cosine":
      return 0.5 * (1 + Math.cos((Math.PI * step) / totalSteps));
    case "constant":
      return 1;
    default:
      throw new SupervisedError(`unknown learning rate schedule: ${String(schedule)}`, "CONFIGURATION");
  }
}
