/**
 * The 0.25.0 JSON body rule against every JSON request body of the v0.25 transcripts whose path is
 * a pydantic model: rebuilt from the fields the SDK set (the recorded body minus defaults and
 * `type`), the rule must give back the recorded body exactly.
 */
import { describe, expect, it } from "vitest";
import { JsonBodyError, jsonBodyV025, type ModelName } from "../../src/protocol/json-body-v0_25.js";
import { loadTranscriptV025, SCENARIOS_V025 } from "../parity-v0.25/golden.js";

const MODEL_OF_PATH: Record<string, ModelName> = {
  "/api/v1/client/config": "client_config",
  "/api/v1/client/dynamic_config": "client_config",
  "/api/v1/create_session": "create_session",
  "/api/v1/create_model": "create_model",
  "/api/v1/create_sampling_session": "create_sampling_session",
  "/api/v1/asample": "sample",
  "/api/v1/session_heartbeat": "session_heartbeat",
  "/api/v1/optim_step": "optim_step",
  "/api/v1/save_weights": "save_weights",
  "/api/v1/save_weights_for_sampler": "save_weights_for_sampler",
  "/api/v1/load_weights": "load_weights",
  "/api/v1/get_info": "get_info",
  "/api/v1/unload_model": "unload_model",
  "/api/v1/retrieve_future": "retrieve_future",
};

const bodies = SCENARIOS_V025.flatMap((name) =>
  loadTranscriptV025(name)
    .filter((l) => l.body_format === "json" && MODEL_OF_PATH[l.path] !== undefined)
    .map((l) => ({ where: `${name}:${l.seq}`, model: MODEL_OF_PATH[l.path] as ModelName, body: l.body })),
);

describe("0.25.0 JSON rule (exclude_none, defaults and type sent)", () => {
  it("covers the model bodies of the transcripts", () => {
    expect(bodies.length).toBeGreaterThan(150);
  });

  it.each(bodies.map((b) => [b.where, b] as const))("%s: the recorded body is a fixed point", (_w, b) => {
    expect(jsonBodyV025(b.model, b.body as Record<string, unknown>)).toEqual(b.body);
  });

  it("fills defaults and types from the few fields a caller sets (training_proto:15, AdamParams())", () => {
    expect(jsonBodyV025("optim_step", { adam_params: {}, model_id: "sess-1:train:0", seq_id: 5 })).toEqual(
      loadTranscriptV025("training_proto").find((l) => l.seq === 15)?.body,
    );
  });

  it("asample: sampling_params defaults, chunk types, null seed/max_tokens omitted", () => {
    const body = jsonBodyV025("sample", {
      num_samples: 2,
      prompt: { chunks: [{ tokens: [1, 2, 3] }] },
      sampling_params: { max_tokens: null, stop: ["\n"] },
      sampling_session_id: "s",
      seq_id: 0,
      prompt_logprobs: false,
    });
    expect(body).toEqual({
      num_samples: 2,
      prompt: { chunks: [{ tokens: [1, 2, 3], type: "encoded_text" }] },
      sampling_params: { stop: ["\n"], temperature: 1, top_k: -1, top_p: 1 },
      sampling_session_id: "s",
      seq_id: 0,
      prompt_logprobs: false,
      topk_prompt_logprobs: 0,
      type: "sample",
    });
  });

  it("create_model without lora_config leaves it out; image bytes become base64", () => {
    expect(jsonBodyV025("create_model", { session_id: "s", model_seq_id: 0, base_model: "b" })).toEqual({
      session_id: "s",
      model_seq_id: 0,
      base_model: "b",
      type: "create_model",
    });
    const img = jsonBodyV025("image", { data: Uint8Array.of(1, 2, 3), format: "png" });
    expect(img).toEqual({ data: "AQID", format: "png", type: "image" });
  });

  it("refuses unknown keys and missing required fields", () => {
    expect(() => jsonBodyV025("get_info", { model_id: "m", extra: 1 })).toThrow(JsonBodyError);
    expect(() => jsonBodyV025("get_info", {})).toThrow(/model_id is required/);
  });
});
