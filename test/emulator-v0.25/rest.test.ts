/** The REST endpoints 0.25.0 added, and the 402 billing fault (facts 16, 20, 22). */
import { afterEach, describe, expect, it } from "vitest";
import { billingFault, type Emulator, startEmulator } from "../../src/emulator/index.js";
import { run } from "../emulator/helpers.js";
import { call, session025 } from "./helpers.js";

let emu: Emulator | undefined;
afterEach(async () => {
  await emu?.close();
  emu = undefined;
});

async function withCheckpoint(e: Emulator) {
  const ids = await session025(e);
  const saved = await run(e, "/api/v1/save_weights", {
    model_id: ids.modelId,
    path: "c1",
    seq_id: 1,
    overwrite: false,
    type: "save_weights",
  });
  return { ...ids, path: saved.path as string };
}

describe("0.25.0 REST endpoints", () => {
  it("weights_info describes a checkpoint's LoRA settings; unknown ones are 404", async () => {
    emu = await startEmulator();
    const { path } = await withCheckpoint(emu);
    const info = await call(emu, "POST", "/api/v1/weights_info", { tinker_path: path });
    expect(info.body).toEqual({
      base_model: "Qwen/Qwen3-8B",
      is_lora: true,
      lora_rank: 4,
      train_unembed: true,
      train_mlp: true,
      train_attn: true,
    });
    expect((await call(emu, "POST", "/api/v1/weights_info", { tinker_path: `${path}x` })).status).toBe(404);
  });

  it("TTL: PUT …/ttl sets expires_at (null removes it), shown by the checkpoint listing", async () => {
    const now = Date.UTC(2025, 0, 2, 3, 4, 5);
    emu = await startEmulator({ now: () => now });
    const { modelId } = await withCheckpoint(emu);
    const ttl = `/api/v1/training_runs/${modelId}/checkpoints/weights/c1/ttl`;
    expect((await call(emu, "PUT", ttl, { ttl_seconds: 3600 })).status).toBe(204);
    const list = await call(emu, "GET", `/api/v1/training_runs/${modelId}/checkpoints`);
    expect(list.body.checkpoints[0].expires_at).toBe("2025-01-02T04:04:05Z");
    await call(emu, "PUT", ttl, { ttl_seconds: null });
    expect(
      (await call(emu, "GET", `/api/v1/training_runs/${modelId}/checkpoints`)).body.checkpoints[0].expires_at,
    ).toBeNull();
    expect((await call(emu, "PUT", ttl, { ttl_seconds: -1 })).status).toBe(422);
  });

  it("sessions: list, get (runs and samplers), assign project, trace export pending then ready", async () => {
    emu = await startEmulator();
    const { sessionId, modelId } = await session025(emu);
    const sampler = await call(emu, "POST", "/api/v1/create_sampling_session", {
      session_id: sessionId,
      sampling_session_seq_id: 0,
      base_model: "Qwen/Qwen3-8B",
      type: "create_sampling_session",
    });
    expect((await call(emu, "GET", "/api/v1/sessions?limit=20&offset=0&access_scope=owned")).body).toEqual({
      sessions: [sessionId],
    });
    expect((await call(emu, "GET", "/api/v1/sessions?limit=1&offset=1")).body).toEqual({ sessions: [] });
    expect((await call(emu, "GET", `/api/v1/sessions/${sessionId}?access_scope=owned`)).body).toEqual({
      training_run_ids: [modelId],
      sampler_ids: [sampler.body.sampling_session_id],
    });
    expect(
      (await call(emu, "PUT", `/api/v1/sessions/${sessionId}/project`, { project_id: "proj-1" })).status,
    ).toBe(204);
    expect((await call(emu, "GET", `/api/v1/sessions/${sessionId}/trace_export`)).body).toEqual({
      status: "pending",
      url: null,
      error: null,
    });
    expect((await call(emu, "GET", `/api/v1/sessions/${sessionId}/trace_export`)).body.status).toBe("ready");
    expect((await call(emu, "GET", "/api/v1/sessions/missing-1")).status).toBe(404);
  });

  it("audit log: one entry per saved checkpoint, filterable by day; billing usage counts trained tokens", async () => {
    const now = Date.UTC(2025, 0, 2, 3, 4, 5);
    emu = await startEmulator({ now: () => now });
    const { modelId } = await withCheckpoint(emu);
    await run(emu, "/api/v1/forward_backward", {
      model_id: modelId,
      seq_id: 2,
      forward_backward_input: {
        data: [
          {
            model_input: { chunks: [{ tokens: [65, 66, 67] }] },
            loss_fn_inputs: { target_tokens: { data: [66, 67, 68], dtype: "int64" } },
          },
        ],
        loss_fn: "cross_entropy",
      },
    });
    const audit = await call(emu, "GET", "/api/v1/audit?event_type=all");
    expect(audit.body.entries).toEqual([
      {
        timestamp: "2025-01-02T03:04:05Z",
        event: "checkpoint.created",
        model_id: modelId,
        tinker_path: `tinker://${modelId}/weights/c1`,
        purpose: "training",
      },
    ]);
    expect(
      (await call(emu, "GET", "/api/v1/audit?event_type=checkpoints&day=2025-01-03")).body.entries,
    ).toEqual([]);
    const usage = await call(
      emu,
      "GET",
      "/api/v1/billing/usage/events?starting_on=2025-01-02T00:00:00Z&ending_before=2025-01-03T00:00:00Z",
    );
    expect(usage.body.data).toEqual([
      expect.objectContaining({
        base_model: "Qwen/Qwen3-8B",
        event_info: { type: "training", token_count: 3 },
      }),
    ]);
  });
});

describe("402 billing fault", () => {
  it("answers Payment required for the scripted number of requests, then proceeds", async () => {
    emu = await startEmulator({ faults: [billingFault("POST /api/v1/create_session", 2)] });
    const body = { tags: [], user_metadata: {}, sdk_version: "0.25.0", type: "create_session" };
    const a = await call(emu, "POST", "/api/v1/create_session", body);
    expect([a.status, a.body]).toEqual([402, { detail: "Payment required" }]);
    expect((await call(emu, "POST", "/api/v1/create_session", body)).status).toBe(402);
    expect((await call(emu, "POST", "/api/v1/create_session", body)).status).toBe(200);
  });
});
