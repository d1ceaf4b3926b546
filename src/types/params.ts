/** SamplingParams, AdamParams and LoraConfig with 0.4.1 defaults and "only what was set" encoding. */
import { ValidationError } from "../errors/index.js";
import { assertFinite, assertInt, assertNonNegativeInt, assertObject, assertRange } from "./validation.js";

/** Sampling settings; unset fields take the server defaults (0.4.1: temperature 1, top_k -1, top_p 1). */
export interface SamplingParams {
  max_tokens?: number | null;
  seed?: number | null;
  stop?: string | string[] | number[] | null;
  temperature?: number;
  top_k?: number;
  top_p?: number;
}

/** 0.4.1 defaults for SamplingParams (never sent unless the caller set them). */
export const SAMPLING_PARAMS_DEFAULTS = {
  max_tokens: null,
  seed: null,
  stop: null,
  temperature: 1,
  top_k: -1,
  top_p: 1,
} as const;

/** Validates and encodes SamplingParams: only keys the caller set, in 0.4.1 field order. */
export function encodeSamplingParams(p: SamplingParams = {}): SamplingParams {
  assertObject(p, "sampling_params");
  const out: SamplingParams = {};
  if (p.max_tokens !== undefined) {
    if (p.max_tokens !== null) assertNonNegativeInt(p.max_tokens, "sampling_params.max_tokens");
    out.max_tokens = p.max_tokens;
  }
  if (p.seed !== undefined) {
    if (p.seed !== null) assertInt(p.seed, "sampling_params.seed");
    out.seed = p.seed;
  }
  if (p.stop !== undefined) {
    const s = p.stop;
    if (s !== null && typeof s !== "string") {
      if (!Array.isArray(s))
        throw new ValidationError("sampling_params.stop", "expected a string or an array");
      const allStr = s.every((x) => typeof x === "string");
      const allInt = s.every((x) => Number.isSafeInteger(x));
      if (!allStr && !allInt) {
        throw new ValidationError("sampling_params.stop", "expected all strings or all integer token ids");
      }
    }
    out.stop = Array.isArray(s) ? ([...s] as string[] | number[]) : s;
  }
  if (p.temperature !== undefined) {
    assertFinite(p.temperature, "sampling_params.temperature");
    if (p.temperature < 0)
      throw new ValidationError("sampling_params.temperature", `must be >= 0, got ${p.temperature}`);
    out.temperature = p.temperature;
  }
  if (p.top_k !== undefined) {
    assertInt(p.top_k, "sampling_params.top_k");
    if (p.top_k < -1)
      throw new ValidationError("sampling_params.top_k", `must be -1 (off) or >= 0, got ${p.top_k}`);
    out.top_k = p.top_k;
  }
  if (p.top_p !== undefined) {
    assertRange(p.top_p, "sampling_params.top_p", 0, 1);
    out.top_p = p.top_p;
  }
  return out;
}

/** Adam optimizer settings; 0.4.1 defaults: lr 1e-4, beta1 0.9, beta2 0.95, eps 1e-12. */
export interface AdamParams {
  learning_rate?: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Decoupled weight decay (0.25.0; default 0 on the server). */
  weight_decay?: number;
  /** Gradient clipping by global norm; 0 = off (0.25.0). */
  grad_clip_norm?: number;
}

/** 0.4.1 defaults for AdamParams (server-side; omitted from the wire unless set). */
export const ADAM_PARAMS_DEFAULTS = { learning_rate: 0.0001, beta1: 0.9, beta2: 0.95, eps: 1e-12 } as const;

/** Validates and encodes AdamParams: only keys the caller set. */
export function encodeAdamParams(p: AdamParams = {}): AdamParams {
  assertObject(p, "adam_params");
  const out: AdamParams = {};
  for (const key of ["learning_rate", "beta1", "beta2", "eps", "weight_decay", "grad_clip_norm"] as const) {
    const v = p[key];
    if (v === undefined) continue;
    assertFinite(v, `adam_params.${key}`);
    if (v < 0) throw new ValidationError(`adam_params.${key}`, `must be >= 0, got ${v}`);
    out[key] = v;
  }
  return out;
}

/** LoRA adapter configuration. 0.4.1 always sends every field (seed null when unset). */
export interface LoraConfig {
  rank: number;
  seed?: number | null;
  train_unembed?: boolean;
  train_mlp?: boolean;
  train_attn?: boolean;
}

/** Wire form of LoraConfig: all five keys present. */
export interface LoraConfigJSON {
  rank: number;
  seed: number | null;
  train_unembed: boolean;
  train_mlp: boolean;
  train_attn: boolean;
}

/** Validates and fills LoraConfig as the SDK builds it (defaults: seed null, all train_* true). */
export function encodeLoraConfig(c: LoraConfig): LoraConfigJSON {
  assertObject(c, "lora_config");
  assertInt(c.rank, "lora_config.rank");
  if (c.rank <= 0) throw new ValidationError("lora_config.rank", `must be > 0, got ${c.rank}`);
  if (c.seed != null) assertInt(c.seed, "lora_config.seed");
  for (const k of ["train_unembed", "train_mlp", "train_attn"] as const) {
    if (c[k] !== undefined && typeof c[k] !== "boolean")
      throw new ValidationError(`lora_config.${k}`, "expected a boolean");
  }
  return {
    rank: c.rank,
    seed: c.seed ?? null,
    train_unembed: c.train_unembed ?? true,
    train_mlp: c.train_mlp ?? true,
    train_attn: c.train_attn ?? true,
  };
}
