/** Visible waits: the logger option, TINKER_LOG, retry warnings, and failed futures nobody awaited. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "../../src/core/logger.js";
import { ModelInput } from "../../src/types/index.js";
import { type FakeApi, startFakeApi, tinyDatum } from "./fake-api.js";

describe("visible waits", () => {
  let api: FakeApi;
  beforeEach(async () => {
    api = await startFakeApi();
  });
  afterEach(async () => {
    await api.close();
  });

  it("a pipelined call that fails unobserved is reported with its call name and request id; later calls proceed", async () => {
    const lines: string[] = [];
    const service = api.service({ logger: { warn: (m: string) => lines.push(m) } });
    const training = await service.createLoraTrainingClient("Qwen/Qwen3-8B");
    api.server.script("POST /api/v1/retrieve_future", { body: { error: "boom", category: "user" } });
    training.forwardBackward([tinyDatum()], "cross_entropy"); // never awaited
    const step = await training.optimStep({});
    expect(step).toBeDefined();
    for (let i = 0; i < 100 && lines.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^TrainingClient\.forwardBackward failed and nobody awaited its future \(request id req-\d+\): RequestFailedError/,
    );
  });

  it("an awaited failure is not reported twice", async () => {
    const lines: string[] = [];
    const service = api.service({ logger: { warn: (m: string) => lines.push(m) } });
    const training = await service.createLoraTrainingClient("Qwen/Qwen3-8B");
    api.server.script("POST /api/v1/retrieve_future", { body: { error: "boom", category: "user" } });
    await expect(training.optimStep({})).rejects.toThrow(/boom/);
    await new Promise((r) => setTimeout(r, 20));
    expect(lines).toEqual([]);
  });

  it("SDK-level retries log a debug line each and one warning past 30 s (no secrets)", async () => {
    const lines: string[] = [];
    const sink = { debug: (m: string) => lines.push(`D ${m}`), warn: (m: string) => lines.push(`W ${m}`) };
    const service = api.service({ logger: sink, logLevel: "debug", maxRetries: 0 });
    await service.sessionId();
    api.server.script("GET /api/v1/get_server_capabilities", ...Array(6).fill({ status: 503, body: {} }));
    let done = false;
    const call = service.getServerCapabilities().finally(() => {
      done = true;
    });
    // Back-offs of 8 s and more wait for the test's clock (bounded loop).
    for (let i = 0; i < 200 && !done; i++) {
      await new Promise((r) => setTimeout(r, 5));
      await api.clock.advance(1_000);
    }
    await call;
    const debug = lines.filter((l) => l.startsWith("D "));
    const warn = lines.filter((l) => l.startsWith("W "));
    expect(debug.length).toBe(6);
    expect(debug[0]).toMatch(/get_server_capabilities: attempt 1 failed after 503; retrying in 1000 ms/);
    expect(warn).toHaveLength(1);
    expect(warn[0]).toMatch(/still retrying after \d+ s/);
    expect(lines.join("\n")).not.toContain("tml-TESTKEY");
  });

  it("a paused queue is reported through the logger naming the base model and the server's reason", async () => {
    const lines: string[] = [];
    const service = api.service({ logger: { warn: (m: string) => lines.push(m) } });
    const sampler = await service.createSamplingClient({ baseModel: "Qwen/Qwen3-8B" });
    api.server.script("POST /api/v1/retrieve_future", {
      status: 408,
      body: { queue_state: "paused_capacity", queue_state_reason: "GPU pool drained" },
    });
    await sampler.sample(ModelInput.fromInts([1]), 1);
    expect(lines).toEqual([
      "Sampling is paused for Qwen/Qwen3-8B. Reason: out of capacity (GPU pool drained)",
    ]);
  });

  it("TINKER_LOG sets the level as 0.4.1 reads it", () => {
    expect(createLogger(undefined, undefined, { TINKER_LOG: "debug" }).level).toBe("debug");
    expect(createLogger(undefined, undefined, { TINKER_LOG: "info" }).level).toBe("info");
    expect(createLogger(undefined, undefined, {}).level).toBe("warn");
    expect(createLogger(undefined, "error", { TINKER_LOG: "debug" }).level).toBe("error");
  });
});
