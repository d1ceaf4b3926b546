/** SamplingClient against the loopback fake API: concurrency, shared 429 back-off, retries. */
import { holderOf } from "../../src/clients/service-client.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BadRequestError } from "../../src/errors/index.js";
import { ModelInput } from "../../src/types/index.js";
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
