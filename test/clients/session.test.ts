/** Session holder: create_session body, heartbeat schedule and failures, close. */
import { holderOf } from "../../src/clients/service-client.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type FakeApi, startFakeApi } from "./fake-api.js";

describe("session holder", () => {
  let api: FakeApi;
  beforeEach(async () => {
    api = await startFakeApi();
  });
  afterEach(async () => {
    await api.close();
  });

  const heartbeats = () => api.server.requests.filter((r) => r.path === "/api/v1/session_heartbeat");

  it("creates the session with tags, user metadata and sdk_version", async () => {
    const service = api.service({ tags: ["a"], userMetadata: { team: "x" } });
    expect(await service.sessionId()).toBe("sess-1");
    expect(api.bodies("/api/v1/create_session")).toEqual([
      { tags: ["a"], user_metadata: { team: "x" }, sdk_version: "0.4.1" },
    ]);
  });

  it("beats every 10 s, keeps beating through failures, warns after 120 s, stops on close", async () => {
    const warnings: string[] = [];
    const service = api.service({ warn: (m: string) => warnings.push(m) });
    await service.sessionId();
    await api.clock.advance(9_999);
    expect(heartbeats()).toHaveLength(0);
    api.server.script(
      "POST /api/v1/session_heartbeat",
      ...Array.from({ length: 14 }, () => ({ status: 500, body: { detail: "down" } })),
    );
    await api.clock.advance(1);
    await waitFor(() => heartbeats().length === 1);
    for (let i = 1; i < 14; i++) {
      // Advance only once the loop has scheduled its next 10 s sleep (after the previous answer).
      await waitFor(() => api.clock.pendingDelays().includes(10_000));
      await api.clock.advance(10_000);
      await waitFor(() => heartbeats().length === i + 1);
    }
    // No retries (max_retries=0) and the session id never changes.
    expect(heartbeats().every((r) => r.headers["x-stainless-retry-count"] === "0")).toBe(true);
    expect(new Set(heartbeats().map((r) => (r.body as { session_id: string }).session_id))).toEqual(
      new Set(["sess-1"]),
    );
    // The last answer is counted once it arrives, after the server logged the request.
    await waitFor(() => holderOf(service).heartbeat.failed === 14);
    expect(holderOf(service).heartbeat.failed).toBe(14);
    // Silent for 120 s, then a warning per failed beat.
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings[0]).toContain("Session heartbeat failed for");
    expect(warnings[0]).toContain("InternalServerError");
    await service.close();
    const count = heartbeats().length;
    await api.clock.advance(60_000);
    expect(heartbeats()).toHaveLength(count);
  });

  it("close() is idempotent and aborts polling in progress", async () => {
    const service = api.service();
    const training = await service.createLoraTrainingClient("base");
    api.server.setDefault((req) =>
      req.path === "/api/v1/retrieve_future"
        ? { status: 408, body: {} }
        : req.path === "/api/v1/optim_step"
          ? { body: { request_id: "pending" } }
          : { body: {} },
    );
    const pending = training.optimStep();
    await waitFor(() => api.server.requests.some((r) => r.path === "/api/v1/retrieve_future"));
    await Promise.all([service.close(), service.close()]);
    await expect(pending).rejects.toThrow();
  });

  it("a failed call is not held back by slow telemetry; close() delivers the fatal batch", async () => {
    const service = api.service({ telemetry: true });
    await service.sessionId();
    // The telemetry endpoint holds its answer for 1 s of real time.
    let answered = false;
    api.server.script("POST /api/v1/telemetry", {
      delayMs: 1_000,
      body: { status: "accepted" },
      onRequest: () => setTimeout(() => (answered = true), 1_000).unref(),
    });
    api.server.script("GET /api/v1/get_server_capabilities", { status: 400, body: { detail: "bad" } });
    await expect(service.getServerCapabilities()).rejects.toThrow("bad");
    // 0.4.1 would hold the error until telemetry answered; tinker-ts rethrows at once.
    expect(answered).toBe(false);
    await service.close();
    const telemetry = api.bodies("/api/v1/telemetry");
    const events = telemetry.flatMap((b) => b["events"] as Array<{ event: string; event_name?: string }>);
    expect(events.map((e) => e.event_name ?? e.event)).toEqual([
      "SESSION_START",
      "InternalClientHolder.execute_with_retries.exception",
      "user_error",
      "SESSION_END",
    ]);
  });
});

describe("create_session messages", () => {
  let api: FakeApi;
  beforeEach(async () => {
    api = await startFakeApi();
  });
  afterEach(async () => {
    await api.close();
  });

  for (const protocol of ["0.4.1", "0.25.0"] as const) {
    it(`${protocol}: info_message goes to the info hook, warning_message and error_message to warn`, async () => {
      const info: string[] = [];
      const warn: string[] = [];
      api.server.script("POST /api/v1/create_session", {
        body: {
          type: "create_session",
          session_id: "sess-7",
          info_message: "Welcome to the golden server",
          warning_message: "This session is recorded",
          error_message: "Your quota is spent",
        },
      });
      const service = api.service({
        protocol,
        info: (m: string) => info.push(m),
        warn: (m: string) => warn.push(m),
      });
      expect(await service.sessionId()).toBe("sess-7");
      expect(info).toEqual(["Welcome to the golden server"]);
      expect(warn).toEqual(["This session is recorded", "Your quota is spent"]);
    });
  }

  it("null or empty messages show nothing", async () => {
    const shown: string[] = [];
    api.server.script("POST /api/v1/create_session", {
      body: { session_id: "sess-8", info_message: null, warning_message: "", error_message: null },
    });
    const service = api.service({ info: (m: string) => shown.push(m), warn: (m: string) => shown.push(m) });
    await service.sessionId();
    expect(shown).toEqual([]);
  });
});

describe("0.25.0 telemetry holders", () => {
  let api: FakeApi;
  beforeEach(async () => {
    api = await startFakeApi();
  });
  afterEach(async () => {
    await api.close();
  });

  it("the REST holder reports under sessionless-<uuid> without SESSION_START/END; both share one process_uuid", async () => {
    const service = api.service({ protocol: "0.25.0", telemetry: true });
    api.server.script("GET /api/v1/get_server_capabilities", { status: 400, body: { detail: "bad" } });
    await expect(service.getServerCapabilities()).rejects.toThrow("bad");
    await waitFor(() => api.bodies("/api/v1/telemetry").length === 1);
    const [rest] = api.bodies("/api/v1/telemetry");
    expect(rest?.["session_id"]).toMatch(
      /^sessionless-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(rest?.["sdk_version"]).toBe("0.25.0");
    const kinds = (b: Record<string, unknown> | undefined) =>
      ((b?.["events"] ?? []) as Array<{ event: string; event_name?: string }>).map(
        (e) => e.event_name ?? e.event,
      );
    expect(kinds(rest)).toEqual(["InternalClientHolder.execute_with_retries.exception", "user_error"]);
    // The session holder: its own session id, SESSION_START first, the same process_uuid.
    expect(await service.sessionId()).toBe("sess-1");
    await service.close();
    const batches = api.bodies("/api/v1/telemetry");
    const session = batches.filter((b) => b["session_id"] === "sess-1");
    expect(session.flatMap((b) => kinds(b))).toEqual(["SESSION_START", "SESSION_END"]);
    // Closing sends no SESSION_END for the session-less holder (nothing else was queued there).
    expect(batches.filter((b) => b["session_id"] === rest?.["session_id"])).toHaveLength(1);
    expect(new Set(batches.map((b) => b["process_uuid"]))).toEqual(new Set([rest?.["process_uuid"]]));
    expect(rest?.["process_uuid"]).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it("0.4.1 batches carry no process_uuid", async () => {
    const service = api.service({ telemetry: true });
    await service.sessionId();
    await service.close();
    const batches = api.bodies("/api/v1/telemetry");
    expect(batches.length).toBeGreaterThan(0);
    for (const b of batches) {
      expect(b).not.toHaveProperty("process_uuid");
      expect(b["sdk_version"]).toBe("0.4.1");
    }
  });
});

async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(cond()).toBe(true);
}
