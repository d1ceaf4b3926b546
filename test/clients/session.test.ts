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

async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(cond()).toBe(true);
}
