/**
 * Fault injection: scripted per route and count, and random at a seeded rate (reproducible).
 */
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, type EmulatorOptions, startEmulator } from "../../src/emulator/index.js";
import { call, sessionAndModel } from "./helpers.js";

describe("emulator faults", () => {
  const started: Emulator[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((e) => e.close()));
  });
  const start = async (opts: EmulatorOptions = {}) => {
    const e = await startEmulator({ pollHoldMs: 20, ...opts });
    started.push(e);
    return e;
  };

  it("scripted status with retry-after-ms and x-should-retry, for a count, after some requests", async () => {
    const e = await start({
      faults: [
        { route: "GET /api/v1/get_server_capabilities", status: 429, retryAfterMs: 10, after: 1, times: 2 },
        { route: "/api/v1/healthz", status: 500, shouldRetry: false, body: { detail: "flaky" } },
      ],
    });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await call(e, "GET", "/api/v1/get_server_capabilities");
      statuses.push(r.status);
      if (r.status === 429) expect(r.headers.get("retry-after-ms")).toBe("10");
    }
    expect(statuses).toEqual([200, 429, 429, 200]);
    const h = await call(e, "GET", "/api/v1/healthz");
    expect(h.status).toBe(500);
    expect(h.headers.get("x-should-retry")).toBe("false");
    expect(h.body).toEqual({ detail: "flaky" });
    expect((await call(e, "GET", "/api/v1/healthz")).status).toBe(200);
    expect(e.faults.injected).toBe(3);
    expect(e.log.entries.filter((x) => x.fault === "scripted")).toHaveLength(3);
    expect(e.faults.pending()).toEqual([]);
  });

  it("connection reset: the client sees a network error, then the next request works", async () => {
    const e = await start();
    e.faults.add({ route: "/api/v1/healthz", reset: true });
    await expect(call(e, "GET", "/api/v1/healthz")).rejects.toThrow();
    expect((await call(e, "GET", "/api/v1/healthz")).status).toBe(200);
  });

  it("delay alone lets the request proceed normally", async () => {
    const e = await start();
    e.faults.add({ route: "/api/v1/healthz", delayMs: 5 });
    const r = await call(e, "GET", "/api/v1/healthz");
    expect(r.body).toEqual({ status: "ok" });
    expect(e.log.entries.at(-1)?.fault).toBeUndefined();
  });

  it("try_again with a queue state, then a failed future with a category, on retrieve_future", async () => {
    const e = await start();
    const { modelId } = await sessionAndModel(e);
    const sub = await call(e, "POST", "/api/v1/optim_step", {
      adam_params: {},
      model_id: modelId,
      seq_id: 1,
    });
    const id = sub.body.request_id;
    e.faults.add({ route: "/api/v1/retrieve_future", tryAgain: { queueState: "paused_rate_limit" } });
    e.faults.add({ route: "/api/v1/retrieve_future", failFuture: { category: "server", error: "boom" } });
    const first = await call(e, "POST", "/api/v1/retrieve_future", { request_id: id });
    expect(first.body).toEqual({ type: "try_again", request_id: id, queue_state: "paused_rate_limit" });
    const second = await call(e, "POST", "/api/v1/retrieve_future", { request_id: id });
    expect(second.body).toEqual({ error: "boom", category: "server" });
    const third = await call(e, "POST", "/api/v1/retrieve_future", { request_id: id });
    expect(third.body.metrics).toBeTypeOf("object");
  });

  it("random faults are reproducible from the seed", async () => {
    const pattern = async (seed: number) => {
      const e = await start({ seed, randomFaults: { rate: 0.5, statuses: [500, 503] } });
      const out: number[] = [];
      for (let i = 0; i < 30; i++) out.push((await call(e, "GET", "/api/v1/healthz")).status);
      return out;
    };
    const a = await pattern(42);
    const b = await pattern(42);
    const c = await pattern(7);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a.filter((s) => s === 200).length).toBeGreaterThan(0);
    expect(a.filter((s) => s !== 200).length).toBeGreaterThan(0);
    expect(new Set(a.filter((s) => s !== 200))).toEqual(new Set([500, 503]));
  });

  it("random faults only hit the listed routes", async () => {
    const e = await start({ randomFaults: { rate: 1, routes: ["/api/v1/healthz"] } });
    expect((await call(e, "GET", "/api/v1/healthz")).status).toBe(500);
    expect((await call(e, "GET", "/api/v1/get_server_capabilities")).status).toBe(200);
    e.faults.setRandom(null);
    expect((await call(e, "GET", "/api/v1/healthz")).status).toBe(200);
  });
});
