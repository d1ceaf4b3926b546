/**
 * The telemetry reporter against a recording fake transport and a virtual clock: batching,
 * numbering, the 10 s periodic flush, the immediate flush after an exception, re-sends, the queue
 * bound and the off switch. Wire parity with 0.4.1 is checked by test/parity/telemetry*.test.ts.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { ResolvedConfig } from "../../src/core/config.js";
import { APIConnectionError, BadRequestError } from "../../src/errors/index.js";
import type { RequestOptions, TransportResponse } from "../../src/core/transport.js";
import {
  createTelemetry,
  platformSystem,
  TELEMETRY_LIMITS,
  TelemetryReporter,
} from "../../src/telemetry/index.js";
import type { TelemetryEvent, TelemetrySendRequest } from "../../src/types/index.js";
import { GENERATION_0_4_1, GENERATION_0_25_0 } from "../../src/protocol/generation.js";
import { processUuid } from "../../src/telemetry/process-uuid.js";
import { FakeClock } from "../support/fake-clock.js";

/** Records every telemetry request; `failures` are thrown, in order, before answering 200. */
function recordingTransport(failures: unknown[] = []) {
  const requests: RequestOptions[] = [];
  const transport = {
    async request<R>(opts: RequestOptions): Promise<TransportResponse<R>> {
      requests.push(opts);
      const failure = failures.shift();
      if (failure !== undefined) throw failure;
      return { status: 200, headers: {}, body: { status: "accepted" } as R } as TransportResponse<R>;
    },
  };
  const bodies = () => requests.map((r) => JSON.parse(String(r.body?.body)) as TelemetrySendRequest);
  return { transport, requests, bodies };
}

const kinds = (events: TelemetryEvent[]) => events.map((e) => e.event);
const turn = () => new Promise((r) => setImmediate(r));

let reporter: TelemetryReporter | undefined;
afterEach(async () => {
  await reporter?.close();
});

function start(failures: unknown[] = []) {
  const clock = new FakeClock();
  const rec = recordingTransport(failures);
  reporter = new TelemetryReporter({ transport: rec.transport, sessionId: "sess-1", deps: clock.deps });
  return { clock, ...rec, reporter };
}

describe("TelemetryReporter", () => {
  it("starts with SESSION_START and numbers events across batches of at most 100", async () => {
    const { reporter, bodies } = start();
    for (let i = 0; i < 150; i++) reporter.logGenericEvent("step", { i });
    await reporter.flush();
    expect(bodies().map((b) => b.events.length)).toEqual([100, 51]);
    const all = bodies().flatMap((b) => b.events);
    expect(all.map((e) => e.event_session_index)).toEqual(all.map((_, i) => i));
    expect(all[0]).toMatchObject({ event: "SESSION_START", severity: "INFO" });
    expect(all[1]).toMatchObject({ event: "GENERIC_EVENT", event_name: "step", event_data: { i: 0 } });
    expect(bodies()[0]).toMatchObject({
      session_id: "sess-1",
      sdk_version: "0.4.1",
      platform: platformSystem(),
    });
  });

  it("sends with the 5 s telemetry timeout on the telemetry pool, leaving HTTP retries on", async () => {
    const { reporter, requests } = start();
    await reporter.flush();
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      method: "POST",
      path: "/api/v1/telemetry",
      pool: "telemetry",
      timeoutMs: 5_000,
    });
    expect(requests[0]?.maxRetries).toBeUndefined();
  });

  it("flushes on its own every 10 s, not before", async () => {
    const { clock, reporter, bodies } = start();
    reporter.logGenericEvent("warn", {}, "WARNING");
    await clock.advance(9_999);
    await turn();
    expect(bodies()).toHaveLength(0);
    await clock.advance(1);
    await turn();
    expect(bodies()).toHaveLength(1);
    expect(kinds(bodies()[0]!.events)).toEqual(["SESSION_START", "GENERIC_EVENT"]);
    reporter.logGenericEvent("later");
    await clock.advance(10_000);
    await turn();
    expect(bodies()).toHaveLength(2);
  });

  it("an exception is flushed at once, batched with what is logged in the same tick", async () => {
    const { reporter, bodies } = start();
    reporter.logException(new Error("boom"));
    reporter.logGenericEvent("same tick");
    await turn();
    await turn();
    expect(bodies()).toHaveLength(1);
    const [, ex, generic] = bodies()[0]!.events;
    expect(ex).toMatchObject({
      event: "UNHANDLED_EXCEPTION",
      severity: "ERROR",
      error_type: "Error",
      error_message: "boom",
    });
    expect(typeof (ex as { traceback?: unknown }).traceback).toBe("string");
    expect(generic).toMatchObject({ event: "GENERIC_EVENT", event_name: "same tick" });
  });

  it("a fatal exception goes out with SESSION_END and its duration; flush() waits for it", async () => {
    const { clock, reporter, bodies } = start();
    await clock.advance(1_500);
    reporter.logFatalException(
      new BadRequestError("Error code: 400", { status: 400, body: { detail: "bad" } }),
    );
    await reporter.flush();
    const events = bodies()[0]!.events;
    expect(kinds(events)).toEqual(["SESSION_START", "GENERIC_EVENT", "SESSION_END"]);
    expect(events[1]).toMatchObject({
      event_name: "user_error",
      severity: "WARNING",
      event_data: { error_type: "BadRequestError", status_code: 400, body: { detail: "bad" } },
    });
    expect(events[2]).toMatchObject({ severity: "INFO", duration: "0:00:01.500000" });
  });

  it("events logged while a batch is on the wire wait for the next flush", async () => {
    const clock = new FakeClock();
    const sent: TelemetrySendRequest[] = [];
    let release!: () => void;
    const transport = {
      async request<R>(opts: RequestOptions): Promise<TransportResponse<R>> {
        sent.push(JSON.parse(String(opts.body?.body)) as TelemetrySendRequest);
        if (sent.length === 1) await new Promise<void>((r) => (release = r));
        return { status: 200, headers: {}, body: {} as R } as TransportResponse<R>;
      },
    };
    reporter = new TelemetryReporter({ transport, sessionId: "s", deps: clock.deps });
    reporter.logException(new Error("first"));
    await turn();
    reporter.logGenericEvent("while sending");
    release();
    await turn();
    await turn();
    expect(sent).toHaveLength(1);
    expect(kinds(sent[0]!.events)).toEqual(["SESSION_START", "UNHANDLED_EXCEPTION"]);
    await clock.advance(10_000);
    await turn();
    expect(sent.map((b) => kinds(b.events))).toEqual([
      ["SESSION_START", "UNHANDLED_EXCEPTION"],
      ["GENERIC_EVENT"],
    ]);
  });

  it("re-sends a batch 1 s after the HTTP layer gave up, with the same events", async () => {
    const down = new APIConnectionError("down");
    const { clock, reporter, bodies } = start([down, down]);
    reporter.logGenericEvent("x");
    const flushed = reporter.flush();
    await flushed;
    expect(bodies()).toHaveLength(3);
    expect(bodies()[2]).toEqual(bodies()[0]);
    expect(clock.sleeps.filter((ms) => ms === TELEMETRY_LIMITS.retryDelayMs)).toHaveLength(2);
    expect(reporter.sent).toBe(1);
    expect(reporter.dropped).toBe(0);
  });

  it("drops a batch after 5 failed sends (0.4.1 retries forever) and on a non-API error at once", async () => {
    const down = new APIConnectionError("down");
    const a = start(Array.from({ length: 5 }, () => down));
    await a.reporter.flush();
    expect(a.requests).toHaveLength(TELEMETRY_LIMITS.maxBatchSends);
    expect(a.reporter.dropped).toBe(1);
    await a.reporter.close();

    const b = start([new TypeError("bug")]);
    await b.reporter.flush();
    expect(b.requests).toHaveLength(1);
    expect(b.reporter.dropped).toBe(1);
  });

  it("bounds the queue at 10,000 events and counts what it drops", () => {
    const { reporter } = start();
    // SESSION_START already holds one slot.
    for (let i = 0; i < TELEMETRY_LIMITS.maxQueue - 1; i++) expect(reporter.logGenericEvent("e")).toBe(true);
    expect(reporter.logGenericEvent("overflow")).toBe(false);
    expect(reporter.logFatalException(new Error("x"))).toBe(false);
    expect(reporter.pending).toBe(TELEMETRY_LIMITS.maxQueue);
    expect(reporter.dropped).toBe(3);
  });

  it("close() sends what is queued with a SESSION_END, then stops (0.4.1 loses these events)", async () => {
    const { clock, reporter, bodies } = start();
    reporter.logGenericEvent("queued");
    await reporter.close();
    expect(bodies()).toHaveLength(1);
    expect(kinds(bodies()[0]!.events)).toEqual(["SESSION_START", "GENERIC_EVENT", "SESSION_END"]);
    reporter.logGenericEvent("after close");
    await reporter.flush();
    await clock.advance(60_000);
    await turn();
    expect(bodies()).toHaveLength(1);
  });

  it("close() after a fatal error does not end the session twice", async () => {
    const { reporter, bodies } = start();
    reporter.logFatalException(new Error("fatal"));
    await reporter.close();
    const all = bodies().flatMap((b) => b.events);
    expect(kinds(all)).toEqual(["SESSION_START", "UNHANDLED_EXCEPTION", "SESSION_END"]);
  });

  it("close() waits at most 10 s for a telemetry endpoint that hangs", async () => {
    const clock = new FakeClock();
    const aborted: unknown[] = [];
    const hanging = {
      request: (opts: RequestOptions) =>
        new Promise<never>((_, reject) =>
          opts.signal?.addEventListener("abort", () => {
            aborted.push(opts.path);
            reject(new APIConnectionError("aborted"));
          }),
        ),
    };
    reporter = new TelemetryReporter({ transport: hanging as never, sessionId: "s", deps: clock.deps });
    let closed = false;
    const closing = reporter.close().then(() => {
      closed = true;
    });
    await turn();
    await clock.advance(9_999);
    expect(closed).toBe(false);
    await clock.advance(1);
    await closing;
    expect(aborted).toEqual(["/api/v1/telemetry"]);
  });

  it("is off when telemetryEnabled is false", () => {
    const { transport } = recordingTransport();
    expect(createTelemetry({ telemetryEnabled: false } as ResolvedConfig, transport, "s")).toBeNull();
    const on = createTelemetry({ telemetryEnabled: true } as ResolvedConfig, transport, "s");
    expect(on).toBeInstanceOf(TelemetryReporter);
    void on?.close();
  });
});

describe("TelemetryReporter, 0.25.0 batches (fact 23)", () => {
  it("a session-less reporter sends sessionless-<uuid4>, no SESSION_START and no SESSION_END", async () => {
    const clock = new FakeClock();
    const rec = recordingTransport();
    reporter = new TelemetryReporter({ transport: rec.transport, sessionId: null, deps: clock.deps });
    expect(reporter.sessionless).toBe(true);
    expect(reporter.sessionId).toMatch(
      /^sessionless-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    reporter.logFatalException(
      new BadRequestError("400 Bad Request: bad", { status: 400, body: { detail: "bad" } }),
    );
    await reporter.flush();
    reporter.logGenericEvent("later");
    await reporter.close();
    const bodies = rec.bodies();
    expect(bodies.map((b) => b.session_id)).toEqual([reporter.sessionId, reporter.sessionId]);
    const events = bodies.flatMap((b) => b.events);
    expect(events.map((e) => (e.event === "GENERIC_EVENT" ? e.event_name : e.event))).toEqual([
      "user_error",
      "later",
    ]);
    expect(events.map((e) => e.event_session_index)).toEqual([0, 1]);
  });

  it("carries process_uuid and the generation's sdk_version when given, neither by default", async () => {
    const clock = new FakeClock();
    const rec = recordingTransport();
    reporter = new TelemetryReporter({
      transport: rec.transport,
      sessionId: "sess-1",
      processUuid: "p-1",
      sdkVersion: "0.25.0",
      deps: clock.deps,
    });
    await reporter.flush();
    expect(rec.bodies()[0]).toMatchObject({
      session_id: "sess-1",
      process_uuid: "p-1",
      sdk_version: "0.25.0",
    });
    await reporter.close();
    const plain = start();
    await plain.reporter.flush();
    expect(plain.bodies()[0]).not.toHaveProperty("process_uuid");
  });

  it("createTelemetry asks the generation: one process uuid for every 0.25.0 reporter, none for 0.4.1", async () => {
    const { transport, bodies } = recordingTransport();
    const config = { telemetryEnabled: true } as ResolvedConfig;
    const deps = new FakeClock().deps;
    const made = [
      createTelemetry(config, transport, "a", undefined, deps, GENERATION_0_25_0),
      createTelemetry(config, transport, null, undefined, deps, GENERATION_0_25_0),
      createTelemetry(config, transport, "c", undefined, deps, GENERATION_0_4_1),
    ];
    for (const r of made) {
      r?.logGenericEvent("x");
      await r?.flush();
      await r?.close();
    }
    const uuids = bodies().map((b) => b.process_uuid);
    expect(uuids[0]).toBe(processUuid());
    expect(new Set(uuids.filter((u) => u !== undefined))).toEqual(new Set([processUuid()]));
    expect(
      bodies()
        .filter((b) => b.session_id === "c")
        .every((b) => b.process_uuid === undefined),
    ).toBe(true);
    expect(
      bodies()
        .filter((b) => b.session_id === "c")
        .every((b) => b.sdk_version === "0.4.1"),
    ).toBe(true);
    expect(
      bodies()
        .filter((b) => b.session_id === "a")
        .every((b) => b.sdk_version === "0.25.0"),
    ).toBe(true);
  });
});
