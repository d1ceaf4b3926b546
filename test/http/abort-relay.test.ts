import { jsonBody } from "../../src/types/codec.js";
import { getEventListeners } from "node:events";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { acquireRelay } from "../../src/core/abort-relay.js";
import { resolveConfig } from "../../src/core/config.js";
import { APIUserAbortError } from "../../src/errors/index.js";
import { Transport } from "../../src/core/transport.js";
import { type ScriptedServer, startScriptedServer } from "../support/scripted-server.js";

describe("AbortRelay", () => {
  it("listens to its signal only while in use, and passes an abort on with its reason", () => {
    const ac = new AbortController();
    const a = acquireRelay(ac.signal);
    const b = acquireRelay(ac.signal);
    expect(b).toBe(a);
    expect(getEventListeners(ac.signal, "abort")).toHaveLength(1);
    a.release();
    expect(getEventListeners(ac.signal, "abort")).toHaveLength(1);
    b.release();
    expect(getEventListeners(ac.signal, "abort")).toHaveLength(0);

    const relay = acquireRelay(ac.signal);
    let heard = 0;
    const gone = () => heard--;
    relay.once("abort", () => heard++);
    relay.on("abort", gone);
    relay.removeListener("abort", gone);
    expect(relay.listenerCount("abort")).toBe(1);
    ac.abort(new Error("stop"));
    expect(heard).toBe(1);
    expect(relay.listenerCount("abort")).toBe(0);
    expect(relay.aborted).toBe(true);
    expect((relay.reason as Error).message).toBe("stop");
    relay.release();
  });

  it("is born aborted for an aborted signal", () => {
    const relay = acquireRelay(AbortSignal.abort("gone"));
    expect(relay.aborted).toBe(true);
    expect(relay.reason).toBe("gone");
    relay.release();
  });
});

describe("requests with a signal", () => {
  let server: ScriptedServer;
  let transport: Transport;
  beforeEach(async () => {
    server = await startScriptedServer();
    transport = new Transport(resolveConfig({ apiKey: "tml-K", baseUrl: server.url, maxRetries: 0 }, {}));
  });
  afterEach(async () => {
    await transport.close();
    await server.close();
  });

  it("share one listener on the signal while in flight, and leave none behind", async () => {
    server.setDefault({ delayMs: 50, body: { ok: true } });
    const ac = new AbortController();
    const calls = Array.from({ length: 20 }, () =>
      transport.request({
        method: "POST",
        path: "/x",
        body: jsonBody({}),
        pool: "sample",
        signal: ac.signal,
      }),
    );
    await new Promise((r) => setTimeout(r, 20));
    expect(getEventListeners(ac.signal, "abort")).toHaveLength(1);
    await Promise.all(calls);
    expect(getEventListeners(ac.signal, "abort")).toHaveLength(0);
  });

  it("are cut off at once by an abort, long before the server answers", async () => {
    server.setDefault({ delayMs: 5_000, body: { ok: true } });
    const ac = new AbortController();
    const started = Date.now();
    const calls = Array.from({ length: 5 }, () =>
      transport
        .request({ method: "POST", path: "/slow", body: jsonBody({}), pool: "sample", signal: ac.signal })
        .catch((e: unknown) => e),
    );
    await new Promise((r) => setTimeout(r, 30));
    ac.abort();
    for (const result of await Promise.all(calls)) expect(result).toBeInstanceOf(APIUserAbortError);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
