/**
 * The 0.25.0 JSON body rule (golden README, fact 3): the SDK dumps its pydantic request models with
 * `model_dump(exclude_unset=False, exclude_none=True)`. So every field with a default is sent, every
 * `None` is left out, and every `type` discriminator goes on the wire. This file holds the models'
 * fields and defaults (d595dc2) as data, and one function that applies the rule.
 *
 * Bodies that are plain dicts in the SDK (weights_info, TTL, project, auth/token, client/config)
 * are sent as built: `{"ttl_seconds": null}` keeps its null.
 */

import { chunkTypeOf } from "../types/model-input.js";

/** Request models the rule knows (named by their `type`, or by purpose when they have none). */
export type ModelName =
  | "create_session"
  | "create_model"
  | "lora_config"
  | "create_sampling_session"
  | "sample"
  | "sampling_params"
  | "model_input"
  | "encoded_text"
  | "image"
  | "image_asset_pointer"
  | "optim_step"
  | "adam_params"
  | "save_weights"
  | "save_weights_for_sampler"
  | "load_weights"
  | "get_info"
  | "unload_model"
  | "session_heartbeat"
  | "retrieve_future"
  | "client_config";

/** A field's default: a value, `REQUIRED`, or a nested model (by name) / list of models. */
type FieldSpec =
  | { readonly default: unknown }
  | { readonly required: true }
  | { readonly model: ModelName; readonly optional?: boolean }
  | { readonly modelList: "chunk" };

const REQUIRED = { required: true } as const;
const dflt = (v: unknown) => ({ default: v }) as const;
const NONE = dflt(null);

interface ModelSpec {
  readonly fields: Readonly<Record<string, FieldSpec>>;
  /** The `type` literal, when the model has one. */
  readonly type?: string;
}

const MODELS: Readonly<Record<ModelName, ModelSpec>> = {
  create_session: {
    fields: { tags: REQUIRED, user_metadata: REQUIRED, sdk_version: REQUIRED, project_id: NONE },
    type: "create_session",
  },
  create_model: {
    fields: {
      session_id: REQUIRED,
      model_seq_id: REQUIRED,
      base_model: REQUIRED,
      user_metadata: NONE,
      lora_config: { model: "lora_config", optional: true },
    },
    type: "create_model",
  },
  lora_config: {
    fields: {
      rank: REQUIRED,
      seed: NONE,
      train_unembed: dflt(true),
      train_mlp: dflt(true),
      train_attn: dflt(true),
    },
  },
  create_sampling_session: {
    fields: { session_id: REQUIRED, sampling_session_seq_id: REQUIRED, base_model: NONE, model_path: NONE },
    type: "create_sampling_session",
  },
  sample: {
    fields: {
      num_samples: dflt(1),
      prompt: { model: "model_input" },
      sampling_params: { model: "sampling_params" },
      base_model: NONE,
      model_path: NONE,
      sampling_session_id: NONE,
      seq_id: NONE,
      prompt_logprobs: NONE,
      topk_prompt_logprobs: dflt(0),
    },
    type: "sample",
  },
  sampling_params: {
    fields: {
      max_tokens: NONE,
      seed: NONE,
      stop: NONE,
      temperature: dflt(1),
      top_k: dflt(-1),
      top_p: dflt(1),
    },
  },
  model_input: { fields: { chunks: { modelList: "chunk" } } },
  encoded_text: { fields: { tokens: REQUIRED }, type: "encoded_text" },
  image: { fields: { data: REQUIRED, format: REQUIRED, expected_tokens: NONE }, type: "image" },
  image_asset_pointer: {
    fields: { format: REQUIRED, location: REQUIRED, expected_tokens: NONE },
    type: "image_asset_pointer",
  },
  optim_step: {
    fields: { adam_params: { model: "adam_params" }, model_id: REQUIRED, seq_id: NONE },
    type: "optim_step",
  },
  adam_params: {
    fields: {
      learning_rate: dflt(0.0001),
      beta1: dflt(0.9),
      beta2: dflt(0.95),
      eps: dflt(1e-12),
      weight_decay: dflt(0.0),
      grad_clip_norm: dflt(0.0),
    },
  },
  save_weights: {
    fields: { model_id: REQUIRED, path: NONE, seq_id: NONE, ttl_seconds: NONE, overwrite: dflt(false) },
    type: "save_weights",
  },
  save_weights_for_sampler: {
    fields: {
      model_id: REQUIRED,
      path: NONE,
      sampling_session_seq_id: NONE,
      seq_id: NONE,
      ttl_seconds: NONE,
    },
    type: "save_weights_for_sampler",
  },
  load_weights: {
    fields: {
      model_id: NONE,
      seq_id: NONE,
      session_id: NONE,
      model_seq_id: NONE,
      base_model: NONE,
      user_metadata: NONE,
      path: REQUIRED,
      // load_state sends optimizer=False; a message without it (0.4.1's shape) means the same.
      optimizer: dflt(false),
      weights_access_token: NONE,
    },
    type: "load_weights",
  },
  get_info: { fields: { model_id: REQUIRED }, type: "get_info" },
  unload_model: { fields: { model_id: REQUIRED }, type: "unload_model" },
  session_heartbeat: { fields: { session_id: REQUIRED }, type: "session_heartbeat" },
  retrieve_future: { fields: { request_id: REQUIRED, allow_metadata_only: dflt(false) } },
  client_config: { fields: { sdk_version: REQUIRED } },
};

/** A JSON body value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

/** Thrown when a required field is missing or a chunk has no known `type`. */
export class JsonBodyError extends Error {
  override readonly name = "JsonBodyError";
  readonly code = "json_body_error";
}

function chunkModel(chunk: unknown, path: string): ModelName {
  const c = chunk as Record<string, unknown> | null;
  const t = c !== null && typeof c === "object" ? chunkTypeOf(c) : undefined;
  if (t !== "encoded_text" && t !== "image" && t !== "image_asset_pointer") {
    throw new JsonBodyError(`${path}: unknown chunk type ${String(t)}`);
  }
  return t;
}

function bytesAsBase64(v: unknown): unknown {
  // ImageChunk.data is bytes in the SDK, serialised as base64.
  return v instanceof Uint8Array ? Buffer.from(v).toString("base64") : v;
}

function plain(v: unknown): JsonValue {
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) return Array.from(v as unknown as ArrayLike<number>);
  return v as JsonValue;
}

/**
 * Applies the 0.25.0 rule to `values` as the named model: fills defaults, drops `null`/`undefined`
 * (at every depth of the model's own fields), adds the `type` field last. Keys not in the model are
 * refused, since pydantic's strict models refuse them too.
 */
export function jsonBodyV025(
  model: ModelName,
  values: Readonly<Record<string, unknown>>,
  path: string = model,
): {
  [k: string]: JsonValue;
} {
  const spec: ModelSpec = MODELS[model];
  for (const k of Object.keys(values)) {
    if (!(k in spec.fields) && !(k === "type" && spec.type !== undefined)) {
      throw new JsonBodyError(`${path}.${k}: not a field of ${model}`);
    }
  }
  const out: { [k: string]: JsonValue } = {};
  for (const [name, f] of Object.entries(spec.fields)) {
    let v = values[name];
    if ("required" in f) {
      if (v === undefined) throw new JsonBodyError(`${path}.${name} is required`);
    } else if ("default" in f) {
      if (v === undefined) v = f.default;
    } else if ("model" in f) {
      if (v == null) {
        if (f.optional) continue;
        throw new JsonBodyError(`${path}.${name} is required`);
      }
      out[name] = jsonBodyV025(f.model, v as Record<string, unknown>, `${path}.${name}`);
      continue;
    } else {
      if (!Array.isArray(v)) throw new JsonBodyError(`${path}.${name}: expected a list`);
      out[name] = v.map((c, i) => {
        const p = `${path}.${name}[${i}]`;
        return jsonBodyV025(chunkModel(c, p), c as Record<string, unknown>, p);
      });
      continue;
    }
    if (v === null || v === undefined) continue;
    out[name] = plain(name === "data" && model === "image" ? bytesAsBase64(v) : v);
  }
  if (spec.type !== undefined) out.type = spec.type;
  return out;
}
