/** SamplingClient against the loopback fake API: concurrency, shared 429 back-off, retries. */
import { holderOf } from "../../src/clients/service-client.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BadRequestError, FutureRetrieveError, NotFoundError } from "../../src/errors/index.js";
import { imageChunk, ModelInput } from "../../src/types/model-input.js";
import { type FakeApi, startFakeApi } from "./fake-api.js";

describe("SamplingClient", () => {
  let api: FakeApi;
  beforeEach(async () => {
    api = await startFakeApi();
  });
  afterEach(async () => {
    await api.close();
  });

  it("runs 300 concurrent samples through an injected 429 with the shared 1 s back-off", async () => {
    const service = api.service();
    const a = await service.createSamplingClient({ baseModel: "base" });
    const b = await service.createSamplingClient({ modelPath: "tinker://run/sampler_weights/s" });
    api.server.script("POST /api/v1/asample", { status: 429, body: { detail: "slow down" } });
    const prompt = ModelInput.fromInts([1, 2, 3]);
    const futures = Array.from({ length: 300 }, (_, i) =>
      (i % 2 ? a : b).sample(prompt, 1, { max_tokens: 1 }),
    );
    const results = await Promise.all(futures);
    expect(results).toHaveLength(300);
    const asamples = api.server.requests.filter((r) => r.path === "/api/v1/asample");
    // One refused attempt plus one accepted per sample; the refused one was re-sent with the next seq_id.
    expect(asamples).toHaveLength(301);
    expect(asamples.every((r) => r.headers["x-tinker-sampling-backpressure"] === "1")).toBe(true);
    expect(asamples.every((r) => r.headers["x-stainless-retry-count"] === "0")).toBe(true);
    for (const session of ["ss-0", "ss-1"]) {
      const seqs = asamples
        .map((r) => r.body as { sampling_session_id: string; seq_id: number })
        .filter((body) => body.sampling_session_id === session)
        .map((body) => body.seq_id)
        .sort((x, y) => x - y);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i));
    }
    expect(api.clock.sleeps).toContain(1_000);
    expect(holderOf(service).sampleBackoffUntil).toBeDefined();
  });

  it("both createSamplingClients take a path as a string or as { modelPath }", async () => {
    const service = api.service();
    const training = await service.createLoraTrainingClient("base");
    const path = "tinker://run/sampler_weights/s";
    const clients = [
      await service.createSamplingClient(path),
      await service.createSamplingClient({ modelPath: path }),
      await training.createSamplingClient(path),
      await training.createSamplingClient({ modelPath: path }),
    ];
    expect(clients.map((c) => c.modelPath)).toEqual([path, path, path, path]);
    const sent = api.bodies("/api/v1/create_sampling_session").map((b) => b.model_path);
    expect(sent).toEqual([path, path, path, path]);
  });

  it("re-submits the whole sample after a 410 on its future (RetryHandler) with the next seq_id", async () => {
    const sampler = await api.service().createSamplingClient({ baseModel: "base" });
    api.server.script("POST /api/v1/retrieve_future", { status: 410, body: { detail: "expired" } });
    const out = await sampler.sample(ModelInput.fromInts([1]), 1);
    const seqs = api.bodies("/api/v1/asample").map((b) => b.seq_id);
    expect(seqs).toEqual([0, 1]);
    expect(out.sequences[0]?.tokens).toEqual([1]);
  });

  it("a 400 on asample fails that sample at once and later samples still work", async () => {
    const sampler = await api.service().createSamplingClient({ baseModel: "base" });
    api.server.script("POST /api/v1/asample", { status: 400, body: { detail: "bad" } });
    await expect(sampler.sample(ModelInput.fromInts([1]), 1)).rejects.toBeInstanceOf(BadRequestError);
    await expect(sampler.computeLogprobs(ModelInput.fromInts([1]))).resolves.toEqual([]);
    const last = api.bodies("/api/v1/asample").at(-1);
    expect(last).toMatchObject({ seq_id: 1, prompt_logprobs: true, sampling_params: { max_tokens: 1 } });
  });

  it("sends image chunks as 0.4.1 does: data, format, height, tokens, width and no type", async () => {
    const service = api.service();
    const sampler = await service.createSamplingClient({ baseModel: "base" });
    const prompt = ModelInput.fromInts([1, 2])
      .append(imageChunk(new Uint8Array([255, 0]), "png", { height: 28, width: 14, tokens: 3 }))
      .append({
        type: "image_asset_pointer",
        format: "jpeg",
        location: "s3://b/i.jpg",
        height: 2,
        width: 4,
        tokens: 1,
      });
    expect(prompt.length).toBe(6);
    await sampler.sample(prompt, 1, { max_tokens: 1 });
    expect(api.bodies("/api/v1/asample")[0]?.prompt).toEqual({
      chunks: [
        { tokens: [1, 2] },
        { data: "/wA=", format: "png", height: 28, tokens: 3, width: 14 },
        { format: "jpeg", height: 2, location: "s3://b/i.jpg", tokens: 1, width: 4 },
      ],
    });
  });

  it("after a 404 poll, the RetryHandler's exception event has 0.4.1's fields (status_code null)", async () => {
    const service = api.service({ telemetry: true });
    const sampler = await service.createSamplingClient({ baseModel: "base" });
    api.server.script("POST /api/v1/retrieve_future", { status: 404, body: { detail: "no such future" } });
    const err = await sampler.sample(ModelInput.fromInts([1]), 1, { max_tokens: 1 }).catch((e: unknown) => e);
    // 0.4.1 raises ValueError("Error retrieving result: …") from the NotFoundError; not re-submitted.
    expect(err).toBeInstanceOf(FutureRetrieveError);
    expect((err as Error).cause).toBeInstanceOf(NotFoundError);
    expect(api.server.requests.filter((r) => r.path === "/api/v1/asample")).toHaveLength(1);
    await service.close();
    const events = api
      .bodies("/api/v1/telemetry")
      .flatMap(
        (b) =>
          b.events as Array<{ event_name?: string; severity: string; event_data?: Record<string, unknown> }>,
      );
    const handler = events.filter((e) => e.event_name === "RetryHandler.execute.exception");
    expect(handler).toHaveLength(1);
    const data = handler[0]?.event_data ?? {};
    // retry_handler.py at 12e90a5: exactly these keys; status_code is getattr(e, "status_code", None).
    expect(Object.keys(data).sort()).toEqual(
      [
        "func",
        "exception",
        "exception_type",
        "exception_stack",
        "status_code",
        "should_retry",
        "is_user_error",
        "attempt_count",
        "start_time",
        "current_time",
        "elapsed_time",
      ].sort(),
    );
    expect(data).toMatchObject({
      status_code: null,
      should_retry: false,
      is_user_error: true,
      attempt_count: 1,
      exception_type: "FutureRetrieveError",
    });
    expect(String(data.exception)).toMatch(/^Error retrieving result: 404 Not Found: no such future/);
    for (const k of ["start_time", "current_time", "elapsed_time"]) expect(typeof data[k]).toBe("number");
    expect(handler[0]?.severity).toBe("WARNING");
    // The poll's own event still reports the status, as 0.4.1's api_status_error does.
    const poll = events.find((e) => e.event_name === "APIFuture.result_async.api_status_error");
    expect(poll?.event_data).toMatchObject({ status_code: 404, should_retry: false, is_user_error: true });
  });

  it("refuses a model_path without tinker:// before sending anything", async () => {
    const service = api.service();
    await service.sessionId();
    const before = api.server.requests.length;
    await expect(service.createSamplingClient({ modelPath: "run/sampler_weights/s" })).rejects.toThrow(
      "tinker://",
    );
    expect(api.server.requests.length).toBe(before);
  });
});
