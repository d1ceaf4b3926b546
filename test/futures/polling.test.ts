import diagnostics from "node:diagnostics_channel";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/core/config.js";
import {
  APIStatusError,
  APIUserAbortError,
  BadRequestError,
  FutureExpiredError,
  FutureRetrieveError,
  NotFoundError,
  RequestFailedError,
} from "../../src/errors/index.js";
import { CHANNELS } from "../../src/core/instrumentation.js";
import { Transport } from "../../src/core/transport.js";
import { GENERATION_0_25_0 } from "../../src/protocol/generation.js";
import { type FutureContext, type FutureQueueStateMessage, pollingFuture } from "../../src/futures/index.js";
import type { QueueState } from "../../src/types/index.js";
import { type ScriptedServer, startScriptedServer } from "../support/scripted-server.js";
import { type FakeTime, fakeTime } from "./helpers.js";

const ROUTE = "POST /api/v1/retrieve_future";
const parse = (body: unknown) => body as { value: number };

let server: ScriptedServer;
let transport: Transport;
let time: FakeTime;
let ctx: FutureContext;

beforeEach(async () => {
  server = await startScriptedServer();
  time = fakeTime();
  transport = new Transport(resolveConfig({ apiKey: "tml-TESTKEY", baseUrl: server.url }, {}), {
    now: time.now,
    sleep: time.sleep,
    random: () => 0.5,
  });
  ctx = { transport, deps: time };
});

afterEach(async () => {
  await transport.close();
  await server.close();
});

function start(requestType = "ForwardBackward", onQueueState?: (s: QueueState) => void, id = "req-1") {
  return pollingFuture(ctx, async () => ({ request_id: id }), { requestType, parse, onQueueState });
}

const polls = () => server.requests.filter((r) => r.path === "/api/v1/retrieve_future");

describe("pollingFuture wire", () => {
  it("sends request_id with X-Tinker-* headers, 45 s timeout and no retries", async () => {
    server.script(
      ROUTE,
      { body: { type: "try_again", request_id: "req-1", queue_state: "active" } },
      { body: { value: 7 } },
    );
    const fut = start("OptimStep");
    expect(fut.requestId).toBeUndefined();
    expect(await fut).toEqual({ value: 7 });
    expect(fut.requestId).toBe("req-1");
    const [first, second] = polls();
    expect(first?.body).toEqual({ request_id: "req-1" });
    expect(first?.headers["x-tinker-request-iteration"]).toBe("0");
    expect(first?.headers["x-tinker-request-type"]).toBe("OptimStep");
    expect(first?.headers["x-tinker-create-promise-roundtrip-time"]).toMatch(/^\d+(\.\d+)?$/);
    expect(first?.headers["x-stainless-read-timeout"]).toBe("45");
    expect(first?.headers["x-stainless-retry-count"]).toBe("0");
    expect(first?.headers["x-stainless-raw-response"]).toBe("raw");
    expect(second?.headers["x-tinker-request-iteration"]).toBe("1");
    expect(second?.headers["x-tinker-create-promise-roundtrip-time"]).toBeUndefined();
    expect(second?.headers["x-idempotency-key"]).not.toBe(first?.headers["x-idempotency-key"]);
  });

  it("roundtrip header carries the submit duration in seconds", async () => {
    server.script(ROUTE, { body: { value: 1 } });
    const fut = pollingFuture(
      ctx,
      async () => {
        time.t += 1500;
        return { request_id: "req-9" };
      },
      { requestType: "Sample", parse },
    );
    await fut;
    expect(polls()[0]?.headers["x-tinker-create-promise-roundtrip-time"]).toBe("1.5");
  });

  it("polls again after 408 and 5xx, then returns the parsed result", async () => {
    server.script(
      ROUTE,
      { status: 408, body: {} },
      { status: 500, body: { detail: "transient" } },
      { status: 503, body: {} },
      { body: { value: 3 } },
    );
    expect(await start()).toEqual({ value: 3 });
    expect(polls().map((r) => r.headers["x-tinker-request-iteration"])).toEqual(["0", "1", "2", "3"]);
  });

  it("410 fails with a retryable FutureExpiredError", async () => {
    server.script(ROUTE, { status: 410, body: { detail: "promise expired" } });
    const err = await start("SaveWeights").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FutureExpiredError);
    expect((err as FutureExpiredError).retryable).toBe(true);
    expect((err as FutureExpiredError).requestId).toBe("req-1");
    expect(((err as Error).cause as { status: number }).status).toBe(410);
    expect(polls()).toHaveLength(1);
  });

  it("other statuses fail with FutureRetrieveError caused by the status error, and stop polling", async () => {
    server.script(ROUTE, { status: 404, body: { detail: "no such future" } });
    const missing = await start().catch((e: unknown) => e);
    // 0.4.1: ValueError("Error retrieving result: …") from the NotFoundError.
    expect(missing).toBeInstanceOf(FutureRetrieveError);
    expect(missing).not.toBeInstanceOf(APIStatusError);
    expect((missing as FutureRetrieveError).code).toBe("TINKER_FUTURE_RETRIEVE");
    expect((missing as FutureRetrieveError).requestId).toBe("req-1");
    expect((missing as Error).message).toMatch(/^Error retrieving result: 404 Not Found: no such future/);
    expect((missing as Error).cause).toBeInstanceOf(NotFoundError);
    server.script(ROUTE, { status: 400, body: { detail: "bad" } });
    const bad = await start().catch((e: unknown) => e);
    expect((bad as Error).cause).toBeInstanceOf(BadRequestError);
    expect(polls()).toHaveLength(2);
  });

  it("connection errors back off 1, 2, 4 s; a status error resets the count", async () => {
    server.script(
      ROUTE,
      { reset: true },
      { reset: true },
      { reset: true },
      { status: 500, body: {} },
      { reset: true },
      { body: { value: 5 } },
    );
    // Each poll is answered "instantly" on the fake clock except after sleeps; pacing adds 10 ms
    // after the instant 500.
    expect(await start()).toEqual({ value: 5 });
    expect(time.sleeps).toEqual([1000, 2000, 4000, 10, 1000]);
  });

  it("a try_again body does not reset the connection-error count (0.4.1)", async () => {
    server.script(
      ROUTE,
      { reset: true },
      { body: { type: "try_again", request_id: "req-1", queue_state: "active" } },
      { reset: true },
      { body: { value: 5 } },
    );
    await start();
    expect(time.sleeps).toEqual([1000, 10, 2000]);
  });

  it("invalid result bodies fail with the parser's error", async () => {
    server.script(ROUTE, { body: { metrics: "not-a-dict" } });
    const fut = pollingFuture(ctx, async () => ({ request_id: "r" }), {
      requestType: "OptimStep",
      parse: () => {
        throw new TypeError("metrics must be an object");
      },
    });
    await expect(fut).rejects.toThrow("metrics must be an object");
  });
});

describe("failed futures", () => {
  it.each([
    ["user", "user"],
    ["server", "server"],
    ["unknown", "unknown"],
    ["quota", "unknown"],
    [undefined, "unknown"],
  ])("category %s → RequestFailedError(%s)", async (wire, expected) => {
    server.script(ROUTE, { body: { error: "learning rate must be positive", category: wire } });
    const err = await start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(RequestFailedError);
    expect((err as RequestFailedError).category).toBe(expected);
    expect((err as RequestFailedError).requestId).toBe("req-1");
    expect((err as Error).message).toContain("learning rate must be positive");
  });
});

describe("queue state", () => {
  let events: FutureQueueStateMessage[];
  const listener = (m: unknown) => events.push(m as FutureQueueStateMessage);
  beforeEach(() => {
    events = [];
    diagnostics.subscribe(CHANNELS.futureQueueState, listener);
  });
  afterEach(() => {
    diagnostics.unsubscribe(CHANNELS.futureQueueState, listener);
  });

  it("408 bodies report each queue state to the observer; events only on change", async () => {
    server.script(
      ROUTE,
      { status: 408, body: { queue_state: "paused_capacity" } },
      { status: 408, body: { queue_state: "paused_capacity" } },
      { status: 408, body: { queue_state: "paused_rate_limit" } },
      { status: 408, body: { queue_state: "active" } },
      { status: 408, body: { queue_state: "draining" } },
      { status: 408, body: {} },
      { body: { value: 1 } },
    );
    const seen: QueueState[] = [];
    await start("ForwardBackward", (s) => seen.push(s));
    expect(seen).toEqual(["paused_capacity", "paused_capacity", "paused_rate_limit", "active", "unknown"]);
    expect(events.map((e) => [e.previous, e.queueState, e.raw])).toEqual([
      [undefined, "paused_capacity", "paused_capacity"],
      ["paused_capacity", "paused_rate_limit", "paused_rate_limit"],
      ["paused_rate_limit", "active", "active"],
      ["active", "unknown", "draining"],
    ]);
    expect(events[0]?.requestId).toBe("req-1");
  });

  it.each(["active", "paused_rate_limit", "paused_capacity", "draining"])(
    "try_again with queue_state %s polls again without reporting it (0.4.1)",
    async (state) => {
      server.script(
        ROUTE,
        { body: { type: "try_again", request_id: "req-1", queue_state: state } },
        { body: { value: 2 } },
      );
      const seen: QueueState[] = [];
      expect(await start("Sample", (s) => seen.push(s))).toEqual({ value: 2 });
      expect(seen).toEqual([]);
      expect(events).toEqual([]);
      expect(polls()).toHaveLength(2);
    },
  );
});

describe("pacing of instant pending answers (documented deviation from 0.4.1)", () => {
  it("instant answers sleep 10 ms doubling up to 1 s", async () => {
    const pending = Array.from({ length: 9 }, () => ({
      body: { type: "try_again", request_id: "req-1", queue_state: "active" },
    }));
    server.script(ROUTE, ...pending, { body: { value: 1 } });
    await start();
    expect(time.sleeps).toEqual([10, 20, 40, 80, 160, 320, 640, 1000, 1000]);
  });

  it("a held (slow) answer resets the streak and re-polls at once", async () => {
    const slowTransport = {
      calls: 0,
      request: async <R>() => {
        slowTransport.calls++;
        if (slowTransport.calls === 3) time.t += 5000; // the server held this poll open
        const body = slowTransport.calls < 5 ? { type: "try_again", request_id: "r" } : { value: 4 };
        return { status: 200, headers: {}, body: body as R };
      },
    };
    const fut = pollingFuture({ transport: slowTransport, deps: time }, async () => ({ request_id: "r" }), {
      requestType: "Forward",
      parse,
    });
    await fut;
    expect(time.sleeps).toEqual([10, 20, 10]);
  });
});

describe("aborting", () => {
  it("the client signal stops polling with APIUserAbortError", async () => {
    const controller = new AbortController();
    let calls = 0;
    const fakeTransport = {
      request: async <R>() => {
        calls++;
        if (calls === 2) controller.abort();
        return { status: 200, headers: {}, body: { type: "try_again" } as R };
      },
    };
    const fut = pollingFuture(
      { transport: fakeTransport, deps: time, signal: () => controller.signal },
      async () => ({ request_id: "r" }),
      { requestType: "Forward", parse },
    );
    await expect(fut).rejects.toBeInstanceOf(APIUserAbortError);
    expect(calls).toBe(2);
  });

  it("a submit failure fails the future and leaves requestId undefined", async () => {
    const fut = pollingFuture(
      ctx,
      async () => {
        throw new Error("submit failed");
      },
      { requestType: "Forward", parse },
    );
    await expect(fut).rejects.toThrow("submit failed");
    expect(fut.requestId).toBeUndefined();
    expect(polls()).toHaveLength(0);
  });
});

describe("telemetry of failed polls (0.4.1 APIFuture.result_async.* events)", () => {
  it("logs each failed poll with 0.4.1's names, fields and severities", async () => {
    const events: Array<{ name: string; data: Record<string, unknown>; severity: string }> = [];
    ctx.telemetry = () => ({
      logGenericEvent: (name, data, severity) => events.push({ name, data, severity }),
    });
    server.script(
      ROUTE,
      { status: 408, body: { queue_state: "active" } },
      { status: 500, body: { detail: "transient" } },
      { body: { error: "bad lr", category: "user" } },
    );
    await expect(start("OptimStep")).rejects.toBeInstanceOf(RequestFailedError);
    expect(events.map((e) => [e.name, e.severity, e.data["iteration"]])).toEqual([
      ["APIFuture.result_async.api_status_error", "WARNING", 0],
      ["APIFuture.result_async.api_status_error", "WARNING", 1],
      ["APIFuture.result_async.application_error", "WARNING", 2],
    ]);
    expect(events[0]?.data).toMatchObject({
      request_id: "req-1",
      request_type: "OptimStep",
      status_code: 408,
      should_retry: true,
      is_user_error: false,
    });
    // 0.4.1 sends the enum member's name, not its value.
    expect(events[2]?.data).toMatchObject({ error: "bad lr", error_category: "User", is_user_error: true });
    expect(typeof events[2]?.data["elapsed_time"]).toBe("number");
  });

  it("a non-retryable status is an ERROR unless it is a user error", async () => {
    const events: Array<{ name: string; severity: string; data: Record<string, unknown> }> = [];
    ctx.telemetry = () => ({
      logGenericEvent: (name, data, severity) => events.push({ name, data, severity }),
    });
    server.script(ROUTE, { status: 404, body: { detail: "nope" } });
    await expect(start()).rejects.toBeInstanceOf(FutureRetrieveError);
    expect(events).toMatchObject([
      { severity: "WARNING", data: { status_code: 404, should_retry: false, is_user_error: true } },
    ]);
    server.script(ROUTE, { body: { error: "worker crashed", category: "server" } });
    events.length = 0;
    await expect(start("Sample", undefined, "req-2")).rejects.toBeInstanceOf(RequestFailedError);
    expect(events).toMatchObject([
      {
        name: "APIFuture.result_async.application_error",
        severity: "ERROR",
        data: { error_category: "Server" },
      },
    ]);
  });
});

describe("post-mortem fields of poll errors (0.25.0, fact 23)", () => {
  const collect = () => {
    const events: Array<{ name: string; data: Record<string, unknown> }> = [];
    ctx.telemetry = () => ({ logGenericEvent: (name, data) => events.push({ name, data }) });
    return events;
  };

  it("a fatal status carries response/request headers (credentials redacted) and the body", async () => {
    const events = collect();
    ctx.postMortemTelemetry = true;
    server.script(ROUTE, {
      status: 404,
      headers: { "x-request-id": "rid-1", "set-cookie": "session=secret" },
      body: { detail: "no such future" },
    });
    await expect(start()).rejects.toBeInstanceOf(FutureRetrieveError);
    const data = events[0]?.data ?? {};
    expect(data["response_body"]).toEqual({ detail: "no such future" });
    const response = data["response_headers"] as Record<string, string>;
    expect(response["x-request-id"]).toBe("rid-1");
    expect(response["set-cookie"]).toBe("<redacted>");
    const request = data["request_headers"] as Record<string, string>;
    expect(request["x-api-key"]).toBe("<redacted>");
    expect(request["x-tinker-request-type"]).toBe("ForwardBackward");
    expect(JSON.stringify(data)).not.toContain("secret");
    expect(JSON.stringify(data)).not.toContain("tml-TESTKEY");
  });

  it("simply re-polled statuses (408, 5xx) carry none; 0.4.1 (flag off) never", async () => {
    const events = collect();
    ctx.postMortemTelemetry = true;
    server.script(
      ROUTE,
      { status: 408, body: { queue_state: "active" } },
      { status: 500, body: {} },
      { body: {} },
    );
    await start();
    expect(events).toHaveLength(2);
    for (const e of events) expect(e.data).not.toHaveProperty("request_headers");
    ctx.postMortemTelemetry = false;
    events.length = 0;
    server.script(ROUTE, { status: 404, body: { detail: "nope" } });
    await expect(start(undefined, undefined, "req-2")).rejects.toBeInstanceOf(FutureRetrieveError);
    expect(events).toHaveLength(1);
    expect(Object.keys(events[0]?.data ?? {})).not.toContain("response_headers");
  });
});

describe("0.25.0 poll-error events (the SDK's _handle_transport_error)", () => {
  it("kind, severity, str(e) as detail, and the loop's counters at each error", async () => {
    const events: Array<{ name: string; data: Record<string, unknown>; severity: string }> = [];
    ctx.telemetry = () => ({
      logGenericEvent: (name, data, severity) => events.push({ name, data, severity }),
    });
    ctx.poll = GENERATION_0_25_0.poll;
    ctx.postMortemTelemetry = true;
    server.script(
      ROUTE,
      { status: 429, body: { detail: "too many" } },
      { status: 400, body: { detail: "proxy", n: 1.5, ok: true, none: null } },
      { status: 400, body: {} },
      { status: 408, body: { queue_state: "active" } },
      { status: 400, body: {} },
      { status: 404, body: { detail: "it's gone" } },
    );
    await expect(start("OptimStep")).rejects.toBeInstanceOf(FutureRetrieveError);
    expect(time.sleeps).toContain(1000);
    const rows = events.map((e) => [
      e.data["kind"],
      e.severity,
      e.data["should_retry"],
      e.data["is_user_error"],
      e.data["bad_request_retries"],
      e.data["connection_error_retries"],
      "request_headers" in e.data,
    ]);
    expect(rows).toEqual([
      ["retry_with_backoff", "WARNING", true, true, 0, 0, false],
      // The 429's back-off count is still 1 when the next error is logged, then reset.
      ["retry_if_budget", "ERROR", true, true, 0, 1, true],
      ["retry_if_budget", "ERROR", true, true, 1, 0, true],
      // A 408 with a body is a round trip: it restarts the bare-400 budget.
      ["retry", "WARNING", true, false, 2, 0, false],
      ["retry_if_budget", "ERROR", true, true, 0, 0, true],
      ["fatal", "ERROR", false, true, 1, 0, true],
    ]);
    expect(events.every((e) => e.name === "APIFuture.result_async.api_status_error")).toBe(true);
    expect(events[1]?.data["detail"]).toBe(
      "Error code: 400 - {'detail': 'proxy', 'n': 1.5, 'ok': True, 'none': None}",
    );
    expect(events[5]?.data["detail"]).toBe(`Error code: 404 - {'detail': "it's gone"}`);
    expect(events[5]?.data["exception_type"]).toBe("NotFoundError");
  });

  it("a JSON result for a protobuf-only type raises without an event; bad protobuf is proto_deserialization_error", async () => {
    const events: Array<{ name: string; data: Record<string, unknown> }> = [];
    ctx.telemetry = () => ({ logGenericEvent: (name, data) => events.push({ name, data }) });
    ctx.poll = GENERATION_0_25_0.poll;
    ctx.protobufResults = {
      ForwardBackward: () => {
        throw new TypeError("bad bytes");
      },
    };
    server.script(ROUTE, { body: { loss_fn_outputs: [] } });
    await expect(start()).rejects.toThrow(/only supports results as protobuf/);
    expect(events).toEqual([]);
    server.script(ROUTE, {
      headers: { "content-type": "application/x-protobuf" },
      raw: Buffer.from([1, 2, 3]),
    });
    await expect(start(undefined, undefined, "req-2")).rejects.toThrow("bad bytes");
    expect(events.map((e) => e.name)).toEqual(["APIFuture.result_async.proto_deserialization_error"]);
    expect(events[0]?.data).toMatchObject({
      exception: "bad bytes",
      exception_type: "TypeError",
      proto_bytes_len: 3,
    });
  });
});

describe("rate-limited polls (documented deviation from 0.4.1)", () => {
  it("a 429 on retrieve_future waits retry-after and polls again instead of failing", async () => {
    // 0.4.1 raises on a 429 poll and so loses a result the server already computed.
    server.script(
      ROUTE,
      { status: 429, headers: { "retry-after-ms": "250" }, body: { detail: "slow down" } },
      { status: 429, body: { detail: "slow down" } },
      { body: { value: 3 } },
    );
    expect(await start()).toEqual({ value: 3 });
    expect(polls()).toHaveLength(3);
    // retry-after-ms honoured, then the jittered HTTP back-off for the second (0.5 s × (1 − 0.25·0.5)).
    expect(time.sleeps).toEqual([250, 1000 * 0.5 * (1 - 0.25 * 0.5) * 2]);
  });
});
