/**
 * Validation (422/400 naming the field), API key check, seq-id ordering, unknown routes.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, type EmulatorOptions, startEmulator } from "../../src/emulator/index.js";
import { batch, call, sessionAndModel } from "./helpers.js";

describe("emulator validation", () => {
  let emu: Emulator | undefined;
  afterEach(async () => {
    await emu?.close();
    emu = undefined;
  });
  const start = async (opts: EmulatorOptions = {}) => {
    emu = await startEmulator({ pollHoldMs: 20, ...opts });
    return emu;
  };
  const detailText = (body: { detail: unknown }) => JSON.stringify(body.detail);

  it("missing and mistyped fields answer 422 naming the field", async () => {
    const e = await start();
    const { sessionId, modelId } = await sessionAndModel(e);
    const cases: Array<[string, unknown, string]> = [
      ["/api/v1/session_heartbeat", {}, "session_id"],
      [
        "/api/v1/create_model",
        { session_id: sessionId, model_seq_id: "x", base_model: "Qwen/Qwen3-8B" },
        "model_seq_id",
      ],
      ["/api/v1/optim_step", { model_id: modelId, seq_id: 1 }, "adam_params"],
      [
        "/api/v1/optim_step",
        { adam_params: { learning_rate: "fast" }, model_id: modelId },
        "adam_params.learning_rate",
      ],
      ["/api/v1/retrieve_future", { request_id: 5 }, "request_id"],
      [
        "/api/v1/forward_backward",
        { forward_backward_input: { data: batch(1), loss_fn: "hinge" }, model_id: modelId },
        "forward_backward_input.loss_fn",
      ],
      [
        "/api/v1/forward",
        {
          forward_input: {
            data: [
              {
                model_input: { chunks: [{ tokens: [1] }] },
                loss_fn_inputs: { w: { data: [1, 2], dtype: "float32", shape: [3] } },
              },
            ],
            loss_fn: "cross_entropy",
          },
          model_id: modelId,
        },
        "forward_input.data.0.loss_fn_inputs.w.shape",
      ],
      [
        "/api/v1/asample",
        { prompt: { chunks: [{ tokens: [1] }] }, sampling_session_id: "x" },
        "sampling_params",
      ],
    ];
    for (const [path, body, field] of cases) {
      const r = await call(e, "POST", path, body);
      expect([path, r.status]).toEqual([path, 422]);
      expect(detailText(r.body)).toContain(field);
    }
  });

  it("bad JSON answers 400; unknown ids 404; unknown routes 404; wrong method 405", async () => {
    const e = await start();
    const bad = await fetch(`${e.url}/api/v1/create_session`, {
      method: "POST",
      headers: { "x-api-key": "k", "content-type": "application/json" },
      body: "{",
    });
    expect(bad.status).toBe(400);
    await bad.text();
    expect((await call(e, "POST", "/api/v1/get_info", { model_id: "model-404" })).status).toBe(404);
    expect((await call(e, "POST", "/api/v1/session_heartbeat", { session_id: "nope" })).status).toBe(404);
    expect((await call(e, "GET", "/api/v1/nothing")).status).toBe(404);
    expect((await call(e, "GET", "/api/v1/create_session")).status).toBe(405);
    const s = await call(e, "POST", "/api/v1/create_session", {});
    const unsupported = await call(e, "POST", "/api/v1/create_model", {
      session_id: s.body.session_id,
      model_seq_id: 0,
      base_model: "no/such-model",
    });
    expect(unsupported.status).toBe(400);
    expect(detailText(unsupported.body)).toContain("base_model");
  });

  it("any non-empty API key by default; none answers 401", async () => {
    const e = await start();
    expect((await call(e, "GET", "/api/v1/healthz", undefined, { "x-api-key": "tml-anything" })).status).toBe(
      200,
    );
    expect((await call(e, "GET", "/api/v1/healthz", undefined, {})).status).toBe(401);
    expect((await call(e, "GET", "/api/v1/healthz", undefined, { "x-api-key": "" })).status).toBe(401);
  });

  it("a fixed API key rejects others, and the key is never logged", async () => {
    const e = await start({ apiKey: "tml-FIXED" });
    expect((await call(e, "GET", "/api/v1/healthz", undefined, { "x-api-key": "tml-FIXED" })).status).toBe(
      200,
    );
    const r = await call(e, "GET", "/api/v1/healthz", undefined, { "x-api-key": "tml-OTHER" });
    expect(r.status).toBe(401);
    expect(JSON.stringify(e.log.entries)).not.toContain("tml-");
  });

  it("training requests out of order or repeated are rejected with 400 and counted", async () => {
    const e = await start();
    const { modelId } = await sessionAndModel(e);
    const optim = (seq: number) =>
      call(e, "POST", "/api/v1/optim_step", { adam_params: {}, model_id: modelId, seq_id: seq });
    expect((await optim(1)).status).toBe(200);
    expect((await optim(3)).status).toBe(200);
    const dup = await optim(3);
    expect(dup.status).toBe(400);
    expect(dup.body.detail).toContain("duplicate");
    const old = await optim(2);
    expect(old.status).toBe(400);
    expect(old.body.detail).toContain("out-of-order");
    expect(e.log.seqRejections).toBe(2);
    expect(e.log.seqViolations.map((v) => v.kind)).toEqual(["duplicate", "out_of_order"]);
    expect(e.log.entries.filter((x) => x.seqRejected)).toHaveLength(2);
    // Another model has its own sequence.
    const other = await sessionAndModel(e);
    const ok = await call(e, "POST", "/api/v1/optim_step", {
      adam_params: {},
      model_id: other.modelId,
      seq_id: 1,
    });
    expect(ok.status).toBe(200);
  });

  it("records every request with its status", async () => {
    const e = await start();
    await call(e, "GET", "/api/v1/healthz");
    await call(e, "GET", "/api/v1/nothing");
    expect(e.log.entries.map((x) => [x.method, x.path, x.status])).toEqual([
      ["GET", "/api/v1/healthz", 200],
      ["GET", "/api/v1/nothing", 404],
    ]);
  });
});
