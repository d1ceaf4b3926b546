/**
 * The 0.25.0 handshake of one holder against a scripted server on the fake clock (facts 1–2):
 * the background `dynamic_config` refresh of the session holder (every max(interval, 10) s, one
 * attempt, last interval kept on failure; defaults and 300 s after a 404), none for the
 * session-less holder, and `onReady` once.
 */
import { afterEach, describe, expect, it } from "vitest";
import { Handshake } from "../../src/clients/handshake.js";
import { resolveConfig } from "../../src/core/config.js";
import { Transport } from "../../src/core/transport.js";
import { GENERATION_0_25_0 } from "../../src/protocol/generation.js";
import { FakeClock } from "../support/fake-clock.js";
import { type ScriptedServer, startScriptedServer } from "../support/scripted-server.js";

const DYNAMIC = "POST /api/v1/client/dynamic_config";

let server: ScriptedServer | undefined;
let transport: Transport | undefined;
const lifetime = new Set<AbortController>();
afterEach(async () => {
  for (const c of lifetime) c.abort();
  lifetime.clear();
  await transport?.close();
  await server?.close();
  server = undefined;
  transport = undefined;
});

async function setUp(refresh: boolean, onReady?: () => void) {
  server = await startScriptedServer();
  const clock = new FakeClock();
  transport = new Transport(
    resolveConfig({ apiKey: "tml-k", baseUrl: server.url }, {}),
    clock.deps,
    GENERATION_0_25_0.sdkVersion,
  );
  const life = new AbortController();
  lifetime.add(life);
  const handshake = new Handshake({
    transport,
    generation: GENERATION_0_25_0,
    deps: { ...clock.deps, random: Math.random },
    backgroundSleep: clock.deps.sleep,
    signal: life.signal,
    refresh,
    onReady,
  });
  const dynamicCount = () =>
    server!.requests.filter((r) => r.path === "/api/v1/client/dynamic_config").length;
  return { server, clock, handshake, dynamicCount };
}

/** Lets the loopback answers arrive (real I/O; the virtual clock does not move). */
async function settle(server: ScriptedServer, count: number): Promise<void> {
  const started = Date.now();
  while (server.requests.length < count) {
    if (Date.now() - started > 3_000) throw new Error(`only ${server.requests.length} requests`);
    await new Promise((r) => setTimeout(r, 5));
  }
  await new Promise((r) => setTimeout(r, 20));
}

describe("Handshake (0.25.0)", () => {
  it("re-fetches dynamic_config every max(refresh_interval_sec, 10) s, one attempt each, keeping the interval on failure", async () => {
    const { server, clock, handshake, dynamicCount } = await setUp(true);
    server.script(
      DYNAMIC,
      { body: { refresh_interval_sec: 3 } },
      { status: 500, body: { detail: "down" } },
      { body: { refresh_interval_sec: 20 } },
    );
    await handshake.ready();
    expect(dynamicCount()).toBe(1);
    await clock.advance(9_900);
    expect(dynamicCount()).toBe(1); // 3 s is raised to the 10 s minimum
    await clock.advance(100);
    await settle(server, 3);
    expect(dynamicCount()).toBe(2); // the 500: not re-sent (no HTTP retry, no SDK-level retry)
    await clock.advance(10_000);
    await settle(server, 4);
    expect(dynamicCount()).toBe(3); // the old 10 s interval was kept
    await clock.advance(19_000);
    await new Promise((r) => setTimeout(r, 20));
    expect(dynamicCount()).toBe(3); // now every 20 s
    const refreshes = server.requests.filter((r) => r.path === "/api/v1/client/dynamic_config");
    expect(refreshes.map((r) => r.headers["x-stainless-retry-count"])).toEqual(["0", "0", "0"]);
    expect(refreshes.map((r) => r.headers["x-stainless-read-timeout"])).toEqual(["10", "10", "10"]);
  });

  it("after a 404 uses the defaults and still refreshes, every 300 s", async () => {
    const { server, clock, handshake, dynamicCount } = await setUp(true);
    server.script(DYNAMIC, { status: 404, body: { detail: "Not Found" } });
    await handshake.ready();
    expect(dynamicCount()).toBe(1);
    await clock.advance(299_000);
    expect(dynamicCount()).toBe(1);
    await clock.advance(1_000);
    await settle(server, 3);
    expect(dynamicCount()).toBe(2);
  });

  it("the session-less holder's handshake never refreshes; onReady runs once, after dynamic_config", async () => {
    const seen: number[] = [];
    const { server, clock, handshake, dynamicCount } = await setUp(false, () => seen.push(dynamicCount()));
    server.script(DYNAMIC, { body: { refresh_interval_sec: 10 } });
    await Promise.all([handshake.ready(), handshake.ready()]);
    expect(seen).toEqual([1]);
    await clock.advance(60_000);
    await new Promise((r) => setTimeout(r, 20));
    expect(dynamicCount()).toBe(1);
    expect(handshake.loop).toBeUndefined();
  });
});
