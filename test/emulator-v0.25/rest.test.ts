/** The REST endpoints 0.25.0 added, and the 402 billing fault (facts 16, 20, 22). */
import { afterEach, describe, expect, it } from "vitest";
import { billingFault, type Emulator, startEmulator } from "../../src/emulator/index.js";
import { run } from "../emulator/helpers.js";
import { call, session025, settle } from "./helpers.js";

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
    // Not positive: 400, as the service documents; not an integer: 422 (request validation).
    expect((await call(emu, "PUT", ttl, { ttl_seconds: -1 })).status).toBe(400);
    expect((await call(emu, "PUT", ttl, { ttl_seconds: "1" })).status).toBe(422);
    expect((await call(emu, "PUT", ttl.replace("/weights/", "/bogus/"), { ttl_seconds: 1 })).status).toBe(
      404,
    );
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
      expect.objectContaining({ event_info: { type: "checkpoint", count: 1 } }),
    ]);
    expect(usage.body.sessions).toEqual({ [usage.body.data[0].session_id]: { user_metadata: null } });
    // The audit day defaults to today on the emulator's clock.
    expect((await call(emu, "GET", "/api/v1/audit?event_type=all")).body.entries).toHaveLength(1);
    expect((await call(emu, "GET", "/api/v1/audit?event_type=all&day=2025-13-99")).status).toBe(422);
  });
});

describe("0.25.0 REST input rules", () => {
  it("training runs: access_scope is checked, project_id filters by the session's project", async () => {
    emu = await startEmulator();
    const { sessionId, modelId } = await session025(emu);
    const runs = (q: string) => call(emu as Emulator, "GET", `/api/v1/training_runs?${q}`);
    expect((await runs("access_scope=owned")).body.cursor.total_count).toBe(1);
    expect((await runs("access_scope=everyone")).status).toBe(422);
    expect((await call(emu, "GET", `/api/v1/training_runs/${modelId}?access_scope=x`)).status).toBe(422);
    expect((await call(emu, "GET", "/api/v1/sessions?access_scope=x")).status).toBe(422);
    expect((await runs("project_id=proj-a")).body.training_runs).toEqual([]);
    expect((await call(emu, "PUT", `/api/v1/sessions/${sessionId}/project`, {})).status).toBe(400);
    await call(emu, "PUT", `/api/v1/sessions/${sessionId}/project`, { project_id: "proj-a" });
    expect(
      (await runs("project_id=proj-a")).body.training_runs.map(
        (r: { training_run_id: string }) => r.training_run_id,
      ),
    ).toEqual([modelId]);
    // A project given at create_session counts too.
    const s2 = await call(emu, "POST", "/api/v1/create_session", {
      tags: [],
      user_metadata: {},
      sdk_version: "0.25.0",
      project_id: "proj-b",
      type: "create_session",
    });
    const sub = await call(emu, "POST", "/api/v1/create_model", {
      session_id: s2.body.session_id,
      model_seq_id: 0,
      base_model: "Qwen/Qwen3-8B",
      lora_config: { rank: 4, train_unembed: true, train_mlp: true, train_attn: true },
      type: "create_model",
    });
    const m2 = await settle(emu, sub.body.request_id);
    expect(
      (await runs("project_id=proj-b")).body.training_runs.map(
        (r: { training_run_id: string }) => r.training_run_id,
      ),
    ).toEqual([m2.body.model_id]);
  });

  it("billing usage: RFC 3339 bounds on hour boundaries, at most 14 days, not in the future", async () => {
    emu = await startEmulator({ now: () => Date.UTC(2025, 0, 20) });
    const usage = (a: string, b: string) =>
      call(
        emu as Emulator,
        "GET",
        `/api/v1/billing/usage/events?starting_on=${encodeURIComponent(a)}&ending_before=${encodeURIComponent(b)}`,
      );
    expect((await usage("2025-01-02T00:00:00Z", "2025-01-03T00:00:00Z")).body).toEqual({
      data: [],
      sessions: {},
    });
    expect((await usage("2025-01-02T00:30:00Z", "2025-01-03T00:00:00Z")).status).toBe(400);
    expect((await usage("2025-01-03T00:00:00Z", "2025-01-02T00:00:00Z")).status).toBe(400);
    expect((await usage("2025-01-01T00:00:00Z", "2025-01-16T00:00:00Z")).status).toBe(400);
    expect((await usage("2025-01-21T00:00:00Z", "2025-01-22T00:00:00Z")).status).toBe(400);
    expect((await usage("yesterday", "2025-01-02T00:00:00Z")).status).toBe(422);
    expect((await call(emu, "GET", "/api/v1/billing/usage/events")).status).toBe(422);
  });

  it("a ready trace export's URL downloads without an API key; before that it is 404", async () => {
    emu = await startEmulator();
    const { sessionId } = await session025(emu);
    const path = `/api/v1/sessions/${sessionId}/trace_export`;
    await call(emu, "GET", path);
    expect((await fetch(`${emu.url}/traces/${sessionId}.pftrace`)).status).toBe(404);
    const ready = await call(emu, "GET", path);
    const res = await fetch(ready.body.url);
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer()).byteLength).toBeGreaterThan(0);
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
