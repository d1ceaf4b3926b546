/**
 * The diagnostics_channel events (docs/instrumentation.md), observed by a subscriber as a user
 * would attach one: client lifecycle, calls, HTTP attempts and futures, with their payloads.
 */
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CHANNELS } from "../../src/index.js";
import { type FakeApi, startFakeApi, tinyDatum } from "../clients/fake-api.js";

type Seen = { channel: string; message: Record<string, unknown> };

let api: FakeApi;
let seen: Seen[];
const handlers = new Map<string, (m: unknown) => void>();

beforeEach(async () => {
  api = await startFakeApi();
  seen = [];
  for (const name of Object.values(CHANNELS)) {
    const fn = (m: unknown) => seen.push({ channel: name, message: m as Record<string, unknown> });
    handlers.set(name, fn);
    subscribe(name, fn);
  }
});

afterEach(async () => {
  for (const [name, fn] of handlers) unsubscribe(name, fn);
  handlers.clear();
  await api.close();
});

const on = (channel: string) => seen.filter((s) => s.channel === channel).map((s) => s.message);

describe("instrumentation channels", () => {
  it("announce every client and the close of the session", async () => {
    const service = api.service();
    await service.createLoraTrainingClient("base");
    await service.createSamplingClient({ baseModel: "base" });
    service.createRestClient();
    await service.close();
    expect(on(CHANNELS.clientCreated)).toEqual([
      { client: "ServiceClient", sessionId: "sess-1" },
      { client: "TrainingClient", sessionId: "sess-1", modelId: "model-0" },
      { client: "SamplingClient", sessionId: "sess-1", samplingSessionId: "ss-0" },
      { client: "RestClient", sessionId: "sess-1" },
    ]);
    expect(on(CHANNELS.clientClosed)).toEqual([{ client: "ServiceClient", sessionId: "sess-1" }]);
  });

  it("tie each HTTP attempt to its call and pair starts with ends", async () => {
    const service = api.service();
    const training = await service.createLoraTrainingClient("base");
    seen.length = 0;
    await training.forwardBackward([tinyDatum()], "cross_entropy");
    const [start] = on(CHANNELS.callStart);
    const [end] = on(CHANNELS.callEnd);
    expect(start).toEqual({ callId: expect.any(Number), name: "TrainingClient.forwardBackward" });
    expect(end).toMatchObject({
      callId: start?.["callId"],
      name: "TrainingClient.forwardBackward",
      error: undefined,
    });
    expect(end?.["durationMs"]).toBeGreaterThanOrEqual(0);
    const starts = on(CHANNELS.requestStart);
    const ends = on(CHANNELS.requestEnd);
    expect(starts.map((m) => m["path"])).toEqual(["/api/v1/forward_backward", "/api/v1/retrieve_future"]);
    expect(starts.every((m) => m["callId"] === start?.["callId"])).toBe(true);
    expect(ends.map((m) => m["attemptId"])).toEqual(starts.map((m) => m["attemptId"]));
    expect(starts[0]).toMatchObject({
      method: "POST",
      url: `${api.server.url}/api/v1/forward_backward`,
      pool: "train",
      attempt: 0,
      headers: expect.any(Object),
    });
    expect(ends[0]).toMatchObject({ status: 200, durationMs: expect.any(Number) });
  });

  it("report futures: submitted and completed with their poll counts", async () => {
    const service = api.service();
    const training = await service.createLoraTrainingClient("base");
    seen.length = 0;
    await training.optimStep({ learning_rate: 1e-4 });
    expect(on(CHANNELS.futureSubmitted)).toEqual([
      { requestId: expect.any(String), requestType: "OptimStep", roundtripMs: expect.any(Number) },
    ]);
    expect(on(CHANNELS.futureCompleted)).toEqual([
      { requestId: expect.any(String), requestType: "OptimStep", polls: 1, durationMs: expect.any(Number) },
    ]);
  });

  it("report a failed call with its error", async () => {
    const service = api.service();
    await service.sessionId();
    api.server.script("GET /api/v1/get_server_capabilities", { status: 400, body: { detail: "bad" } });
    await expect(service.getServerCapabilities()).rejects.toThrow();
    const [end] = on(CHANNELS.callEnd);
    expect(end?.["error"]).toBeInstanceOf(Error);
    const caps = on(CHANNELS.requestEnd).filter((m) => m["path"] === "/api/v1/get_server_capabilities");
    expect(caps).toMatchObject([{ status: 400, callId: end?.["callId"] }]);
  });
});
