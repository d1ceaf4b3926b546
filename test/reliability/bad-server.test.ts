/**
 * A misbehaving server: truncated JSON, the wrong content type, a body that is not what the type
 * says, a huge body, a server that never answers. Each surfaces as a typed error (never a raw
 * SyntaxError or TypeError), within the configured timeout.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { APIError, APITimeoutError, TinkerError } from "../../src/index.js";
import { type FakeApi, startFakeApi, tinyDatum } from "../clients/fake-api.js";

let api: FakeApi;
beforeEach(async () => {
  api = await startFakeApi();
});
afterEach(async () => {
  await api.close();
});

const CAPS = "GET /api/v1/get_server_capabilities";

describe("bad server behaviour surfaces as typed errors", () => {
  it("truncated JSON", async () => {
    const service = api.service({ maxRetries: 0 });
    api.server.script(CAPS, {
      raw: '{"supported_models": [{"model_na',
      headers: { "content-type": "application/json" },
    });
    const e = await service.getServerCapabilities().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(APIError);
    expect((e as APIError).code).toBe("TINKER_BAD_RESPONSE");
    expect((e as Error).message).toMatch(/Invalid JSON/);
  });

  it("a 200 with an HTML body", async () => {
    const service = api.service({ maxRetries: 0 });
    api.server.script(CAPS, { raw: "<html>maintenance</html>", headers: { "content-type": "text/html" } });
    const e = await service.getServerCapabilities().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(APIError);
    expect((e as Error).message).toMatch(/content-type text\/html/);
  });

  it("a result body that is not the promised type", async () => {
    const service = api.service();
    const training = await service.createLoraTrainingClient("base");
    api.server.script("POST /api/v1/retrieve_future", {
      body: { loss_fn_outputs: "not a list", metrics: 3 },
    });
    const e = await training.forwardBackward([tinyDatum()], "cross_entropy").then(
      () => undefined,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(TinkerError);
    expect((e as Error).message).toMatch(/ForwardBackwardOutput/);
  });

  it("a session answer without a session id", async () => {
    api.server.script("POST /api/v1/create_session", { body: { warning: "no id" } });
    const service = api.service({ maxRetries: 0 });
    const e = await service.sessionId().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TinkerError);
    expect((e as Error).message).toMatch(/session_id/);
  });

  it("a huge (20 MB) body that is not JSON", async () => {
    const service = api.service({ maxRetries: 0 });
    api.server.script(CAPS, {
      raw: `{"x": "${"a".repeat(20_000_000)}`,
      headers: { "content-type": "application/json" },
    });
    const e = await service.getServerCapabilities().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(APIError);
    // The message stays short even though the body is huge.
    expect((e as Error).message.length).toBeLessThan(500);
  });

  it("a server that never answers: APITimeoutError after the configured timeout", async () => {
    // The archive URL has no SDK-level retry (0.4.1), so the HTTP layer's verdict surfaces as is.
    const service = api.service({ timeout: 200, maxRetries: 0 });
    api.server.script("GET /api/v1/training_runs/run-1/checkpoints/weights/0001/archive", { delayMs: 3_000 });
    const e = await service
      .createRestClient()
      .getCheckpointArchiveUrl("run-1", "weights/0001")
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(APITimeoutError);
  });
});
