/**
 * Per-call options (signal, headers, maxRetries, timeout) and the bound on a whole call
 * (core/deadline.ts), on the fake API with a fake clock, plus the emulator acceptance case.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  APITimeoutError,
  APIUserAbortError,
  InternalServerError,
  ValidationError,
} from "../../src/errors/index.js";
import { startEmulator } from "../../src/emulator/index.js";
import { ServiceClient } from "../../src/clients/index.js";
import { ModelInput, TensorData } from "../../src/types/index.js";
import { type FakeApi, startFakeApi, tinyDatum } from "./fake-api.js";

/** Waits (real time, bounded) until the server has seen `n` requests to `path`. */
async function untilRequests(api: FakeApi, path: string, n: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (api.server.requests.filter((r) => r.path === path).length >= n) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`fewer than ${n} requests to ${path}`);
}

const TRY_AGAIN = { body: { type: "try_again", request_id: "r", queue_state: "paused_capacity" } };

describe("per-call options", () => {
  let api: FakeApi;
  beforeEach(async () => {
    api = await startFakeApi();
  });
  afterEach(async () => {
    await api.close();
  });

  it("forwardBackward takes options without a placeholder loss config, and sends their headers", async () => {
    const service = api.service();
    const training = await service.createLoraTrainingClient("Qwen/Qwen3-8B");
    const ac = new AbortController();
    const out = await training.forwardBackward([tinyDatum()], "cross_entropy", {
      signal: ac.signal,
      headers: { "x-trace": "t1" },
    });
    expect(out.metrics["loss:sum"]).toBeDefined();
    const fb = api.server.requests.filter((r) => r.path === "/api/v1/forward_backward");
    expect(fb[0]?.headers["x-trace"]).toBe("t1");
    // The loss config is still accepted positionally and inside options; it is sent as given.
    const rl = tinyDatum();
    rl.loss_fn_inputs.logprobs = TensorData.fromArray([-1, -1], "float32");
    rl.loss_fn_inputs.advantages = TensorData.fromArray([1, 1], "float32");
    await training.forwardBackward([rl], "ppo", { clip_low_threshold: 0.7 });
    await training.forwardBackward([rl], "ppo", { lossFnConfig: { clip_high_threshold: 1.3 } });
    const configs = api
      .bodies("/api/v1/forward_backward")
      .map((b) => (b.forward_backward_input as { loss_fn_config: unknown }).loss_fn_config);
    expect(configs).toEqual([null, { clip_low_threshold: 0.7 }, { clip_high_threshold: 1.3 }]);
  });

  it("maxRetries: 0 makes one attempt at every layer", async () => {
    const service = api.service();
    await service.sessionId();
    api.server.script("GET /api/v1/get_server_capabilities", ...Array(20).fill({ status: 500, body: {} }));
    await expect(service.getServerCapabilities({ maxRetries: 0 })).rejects.toBeInstanceOf(
      InternalServerError,
    );
    expect(api.server.requests.filter((r) => r.path === "/api/v1/get_server_capabilities")).toHaveLength(1);
  });

  it("a whole-call timeout covers polling and names the request it was polling", async () => {
    const service = api.service();
    const training = await service.createLoraTrainingClient("Qwen/Qwen3-8B");
    api.server.script("POST /api/v1/retrieve_future", ...Array(200).fill(TRY_AGAIN));
    // Longer than the fake clock's auto-advance: the deadline fires only when the test advances.
    const caught = training.optimStep({}, { timeout: 60_000 }).catch((e: unknown) => e);
    await untilRequests(api, "/api/v1/retrieve_future", 3);
    await api.clock.advance(60_000);
    const err = await caught;
    expect(err).toBeInstanceOf(APITimeoutError);
    expect((err as Error).message).toMatch(
      /TrainingClient\.optimStep timed out after 60\.\d s while polling request req-\d+ \(OptimStep, poll \d+\)/,
    );
  });

  it("the client-wide default bounds every call; the message names the back-off", async () => {
    const service = api.service({ callOptions: { timeout: 60_000 } });
    await service.sessionId();
    api.server.script("GET /api/v1/get_server_capabilities", ...Array(200).fill({ status: 503, body: {} }));
    const caught = service.getServerCapabilities().catch((e: unknown) => e);
    await untilRequests(api, "/api/v1/get_server_capabilities", 2);
    await api.clock.advance(60_000);
    const err = await caught;
    expect(err).toBeInstanceOf(APITimeoutError);
    expect((err as Error).message).toMatch(
      /getServerCapabilities timed out after 60\.\d s while (backing off \d+ ms after 503|waiting for GET)/,
    );
  });

  it("a user's abort stays APIUserAbortError", async () => {
    const service = api.service();
    const training = await service.createLoraTrainingClient("Qwen/Qwen3-8B");
    api.server.script("POST /api/v1/retrieve_future", ...Array(50).fill(TRY_AGAIN));
    const ac = new AbortController();
    const f = training.optimStep({}, { signal: ac.signal });
    await new Promise((r) => setTimeout(r, 20));
    ac.abort();
    await expect(f).rejects.toBeInstanceOf(APIUserAbortError);
  });

  it("bad options are refused before anything is sent", async () => {
    const service = api.service();
    expect(() => service.getServerCapabilities({ timeout: -1 })).toThrow(ValidationError);
  });

  it("REST ids are encoded path segments; an id that cannot be one is refused", async () => {
    const service = api.service();
    const rest = service.createRestClient();
    await rest.getTrainingRun("../checkpoints?x=1").catch(() => undefined);
    const urls = api.server.requests.map((r) => r.url).filter((u) => u.includes("training_runs"));
    expect(urls).toEqual(["/api/v1/training_runs/..%2Fcheckpoints%3Fx%3D1"]);
    expect(api.server.requests.some((r) => r.path === "/api/v1/checkpoints")).toBe(false);
    await expect(rest.getTrainingRun("..")).rejects.toBeInstanceOf(ValidationError); // async, like every REST call
    await expect(rest.deleteCheckpoint("run-1", "weights/../x")).rejects.toBeInstanceOf(ValidationError);
  });
});

describe("AbortSignal.timeout against the emulator", () => {
  it("a sample the server answers after 5 s rejects with APITimeoutError (cause: the signal's reason)", async () => {
    const emu = await startEmulator({
      faults: [{ route: "/api/v1/asample", delayMs: 5_000, times: Infinity }],
    });
    const service = new ServiceClient({ apiKey: "tml-x", baseUrl: emu.url, telemetry: false });
    try {
      const sampler = await service.createSamplingClient({ baseModel: "Qwen/Qwen3-8B" });
      const started = performance.now();
      const err = await sampler
        .sample(ModelInput.fromInts([1, 2]), 1, { max_tokens: 2 }, { signal: AbortSignal.timeout(500) })
        .catch((e: unknown) => e);
      const elapsed = performance.now() - started;
      expect(err).toBeInstanceOf(APITimeoutError);
      expect((err as Error).message).toMatch(
        /SamplingClient\.sample timed out after .* while waiting for POST \/api\/v1\/asample/,
      );
      expect(((err as Error).cause as Error).name).toBe("TimeoutError");
      // Functional, not a perf bound: it did not wait for the delayed answer.
      expect(elapsed).toBeLessThan(5_000);
    } finally {
      await service.close();
      await emu.close();
    }
  });
});
