/**
 * Every endpoint answers with the shape the real service gave in the golden transcripts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import {
  batch,
  call,
  goldenBody,
  goldenFutureBody,
  goldenLines,
  keys,
  run,
  sessionAndModel,
  shape,
} from "./helpers.js";

describe("emulator response shapes match golden responses", () => {
  let emu: Emulator;
  let sessionId: string;
  let modelId: string;
  beforeAll(async () => {
    emu = await startEmulator({ pollHoldMs: 50 });
    ({ sessionId, modelId } = await sessionAndModel(emu));
  });
  afterAll(async () => {
    await emu.close();
  });

  it("direct session endpoints", async () => {
    const s = await call(emu, "POST", "/api/v1/create_session", { tags: ["a"], user_metadata: {} });
    expect(shape(s.body)).toEqual(shape(goldenBody("/api/v1/create_session")));
    const hb = await call(emu, "POST", "/api/v1/session_heartbeat", { session_id: sessionId });
    expect(hb.body).toEqual(goldenBody("/api/v1/session_heartbeat"));
    const caps = await call(emu, "GET", "/api/v1/get_server_capabilities");
    expect(shape(caps.body)).toEqual(shape(goldenBody("/api/v1/get_server_capabilities", "GET")));
    expect(caps.body.supported_models.map((m: { model_name: string }) => m.model_name)).toContain(
      "Qwen/Qwen3-8B",
    );
    const health = await call(emu, "GET", "/api/v1/healthz");
    expect(health.body).toEqual(goldenBody("/api/v1/healthz", "GET"));
    const tel = await call(emu, "POST", "/api/v1/telemetry", {
      events: [],
      platform: "Linux",
      sdk_version: "0.4.1",
      session_id: sessionId,
    });
    expect(tel.body).toEqual(goldenBody("/api/v1/telemetry"));
    expect(emu.state.telemetry).toHaveLength(1);
  });

  it("model endpoints and get_info with the byte-level tokenizer id", async () => {
    const info = await call(emu, "POST", "/api/v1/get_info", { model_id: modelId });
    expect(shape(info.body)).toEqual(shape(goldenBody("/api/v1/get_info")));
    expect(info.body.model_data.tokenizer_id).toBe("tinker-ts/byte-level");
    expect(info.body.lora_rank).toBe(4);
    const sub = await call(emu, "POST", "/api/v1/forward", {
      forward_input: { data: batch(), loss_fn: "cross_entropy", loss_fn_config: null },
      model_id: modelId,
      seq_id: 1,
    });
    expect(shape(sub.body)).toEqual(shape(goldenBody("/api/v1/forward")));
  });

  it("training futures", async () => {
    const golden = goldenFutureBody((b) => "loss_fn_outputs" in b);
    const fb = await run(emu, "/api/v1/forward_backward", {
      forward_backward_input: { data: batch(3), loss_fn: "cross_entropy", loss_fn_config: null },
      model_id: modelId,
      seq_id: 2,
    });
    expect(keys(fb)).toEqual(keys(golden));
    expect(fb.loss_fn_outputs).toHaveLength(3);
    expect(shape(fb.loss_fn_outputs)).toEqual(shape(golden.loss_fn_outputs));
    expect(fb.loss_fn_output_type).toBe("cross_entropy");
    expect(Object.keys(fb.metrics).length).toBeGreaterThan(0);
    const opt = await run(emu, "/api/v1/optim_step", {
      adam_params: { learning_rate: 0.01 },
      model_id: modelId,
      seq_id: 3,
    });
    expect(keys(opt)).toEqual(["metrics"]);
    const save = await run(emu, "/api/v1/save_weights", { model_id: modelId, path: "s1", seq_id: 4 });
    expect(save).toEqual({ path: `tinker://${modelId}/weights/s1`, type: "save_weights" });
    expect(keys(save)).toEqual(keys(goldenFutureBody((b) => b.type === "save_weights")));
    const load = await run(emu, "/api/v1/load_weights", { model_id: modelId, path: save.path, seq_id: 5 });
    expect(load).toEqual({ path: save.path, type: "load_weights" });
    const sw = await run(emu, "/api/v1/save_weights_for_sampler", {
      model_id: modelId,
      path: "p1",
      seq_id: 6,
    });
    expect(shape(sw)).toEqual(shape(goldenFutureBody((b) => b.type === "save_weights_for_sampler")));
    expect(sw.path).toBe(`tinker://${modelId}/sampler_weights/p1`);
    const eph = await run(emu, "/api/v1/save_weights_for_sampler", {
      model_id: modelId,
      sampling_session_seq_id: 1,
      seq_id: 7,
    });
    expect(eph.path).toBeNull();
    expect(typeof eph.sampling_session_id).toBe("string");
  });

  it("sampling sessions and asample", async () => {
    const golden = goldenBody("/api/v1/create_sampling_session");
    const base = await call(emu, "POST", "/api/v1/create_sampling_session", {
      session_id: sessionId,
      sampling_session_seq_id: 0,
      base_model: "Qwen/Qwen3-8B",
      model_path: null,
    });
    expect(shape(base.body)).toEqual(shape(golden));
    const sub = await call(emu, "POST", "/api/v1/asample", {
      num_samples: 2,
      prompt: { chunks: [{ tokens: [72, 105] }] },
      sampling_params: { max_tokens: 3, seed: 7 },
      sampling_session_id: base.body.sampling_session_id,
      seq_id: 0,
      prompt_logprobs: true,
      topk_prompt_logprobs: 2,
    });
    expect(keys(sub.body)).toEqual(keys(goldenBody("/api/v1/asample")));
    const res = await run(emu, "/api/v1/asample", {
      num_samples: 2,
      prompt: { chunks: [{ tokens: [72, 105] }] },
      sampling_params: { max_tokens: 3, seed: 7 },
      sampling_session_id: base.body.sampling_session_id,
      seq_id: 1,
      prompt_logprobs: true,
      topk_prompt_logprobs: 2,
    });
    const withTopk = goldenFutureBody((b) => b.type === "sample" && b.topk_prompt_logprobs !== null);
    expect(shape(res)).toEqual(shape(withTopk));
    expect(res.sequences).toHaveLength(2);
    expect(res.prompt_logprobs[0]).toBeNull();
    const plain = await run(emu, "/api/v1/asample", {
      num_samples: 1,
      prompt: { chunks: [{ tokens: [72] }] },
      sampling_params: { max_tokens: 2 },
      sampling_session_id: base.body.sampling_session_id,
      seq_id: 2,
      prompt_logprobs: false,
      topk_prompt_logprobs: 0,
    });
    expect(plain.prompt_logprobs).toBeNull();
    expect(plain.topk_prompt_logprobs).toBeNull();
  });

  it("sampling from a saved sampler checkpoint", async () => {
    const sw = await run(emu, "/api/v1/save_weights_for_sampler", {
      model_id: modelId,
      path: "p2",
      seq_id: 20,
    });
    const s = await call(emu, "POST", "/api/v1/create_sampling_session", {
      session_id: sessionId,
      sampling_session_seq_id: 1,
      base_model: null,
      model_path: sw.path,
    });
    expect(s.status).toBe(200);
    const res = await run(emu, "/api/v1/asample", {
      num_samples: 1,
      prompt: { chunks: [{ tokens: [1, 2] }] },
      sampling_params: { max_tokens: 2, seed: 1 },
      sampling_session_id: s.body.sampling_session_id,
      seq_id: 0,
      prompt_logprobs: false,
      topk_prompt_logprobs: 0,
    });
    expect(res.sequences[0].tokens.length).toBeLessThanOrEqual(2);
  });

  it("unload_model", async () => {
    const other = await sessionAndModel(emu);
    const res = await run(emu, "/api/v1/unload_model", { model_id: other.modelId });
    expect(shape(res)).toEqual(shape(goldenFutureBody((b) => b.type === "unload_model")));
    const info = await call(emu, "POST", "/api/v1/get_info", { model_id: other.modelId });
    expect(info.status).toBe(404);
  });

  it("golden transcripts cover the endpoints tested here", () => {
    const paths = new Set(goldenLines().map((l) => l.path));
    for (const p of ["/api/v1/create_model", "/api/v1/asample", "/api/v1/retrieve_future"])
      expect(paths).toContain(p);
  });
});
