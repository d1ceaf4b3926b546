/**
 * Redirects as httpx follows them in 0.4.1 (the transport does it itself, see Transport.send):
 * 303 (and 301/302 after a POST) continue as a bodyless GET, 307/308 keep method and body, at most
 * 20 hops, credentials never go to another origin, and followRedirects: false returns the 3xx.
 */
import { jsonBody } from "../../src/types/codec.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/core/config.js";
import { APIConnectionError } from "../../src/errors/index.js";
import { Transport } from "../../src/core/transport.js";
import { type ScriptedServer, startScriptedServer } from "../support/scripted-server.js";

let server: ScriptedServer;
let other: ScriptedServer;
let transport: Transport;

beforeEach(async () => {
  server = await startScriptedServer();
  other = await startScriptedServer();
  transport = new Transport(
    resolveConfig({ apiKey: "tml-REDIRECT-KEY", baseUrl: server.url, maxRetries: 0 }, {}),
    {},
  );
});

afterEach(async () => {
  await transport.close();
  await server.close();
  await other.close();
});

const post = (path: string) =>
  transport.request({ method: "POST", path, pool: "session", body: jsonBody({ x: 1 }) });

describe("redirects", () => {
  it("303 after a POST continues as a bodyless GET", async () => {
    server.script("POST /a", { status: 303, headers: { location: "/b" } });
    server.script("GET /b", { body: { ok: "b" } });
    expect((await post("/a")).body).toEqual({ ok: "b" });
    const [, second] = server.requests;
    expect(second?.method).toBe("GET");
    expect(second?.body).toBeUndefined();
    expect(second?.headers["content-type"]).toBeUndefined();
  });

  it("302 after a POST becomes a GET too; 307 and 308 keep the method and the body", async () => {
    server.script("POST /c", { status: 302, headers: { location: "/d" } });
    server.script("GET /d", { body: { ok: "d" } });
    expect((await post("/c")).body).toEqual({ ok: "d" });
    server.script("POST /e", { status: 307, headers: { location: "/f" } });
    server.script("POST /f", { status: 308, headers: { location: "/g" } });
    server.script("POST /g", { body: { ok: "g" } });
    expect((await post("/e")).body).toEqual({ ok: "g" });
    expect(server.requests.slice(-2).map((r) => [r.method, r.body])).toEqual([
      ["POST", { x: 1 }],
      ["POST", { x: 1 }],
    ]);
  });

  it("keeps the API key on the same origin and drops it on another", async () => {
    server.script("GET /here", { status: 307, headers: { location: `${other.url}/there` } });
    other.script("GET /there", { body: { ok: true } });
    await transport.request({ method: "GET", path: "/here", pool: "session" });
    expect(server.requests[0]?.headers["x-api-key"]).toBe("tml-REDIRECT-KEY");
    expect(other.requests[0]?.headers["x-api-key"]).toBeUndefined();
    expect(other.requests[0]?.headers["x-stainless-retry-count"]).toBe("0");
  });

  it("gives up after 20 hops with APIConnectionError", async () => {
    server.setDefault({ status: 307, headers: { location: "/loop" } });
    const e = await transport
      .request({ method: "GET", path: "/loop", pool: "session" })
      .catch((x: unknown) => x);
    expect(e).toBeInstanceOf(APIConnectionError);
    expect(String((e as Error).cause)).toMatch(/Too many redirects/);
    expect(server.requests).toHaveLength(21);
  });

  it("followRedirects: false returns the redirect itself", async () => {
    server.script("GET /archive", { status: 302, headers: { location: "https://storage.example/x.tar" } });
    const e = await transport
      .request({ method: "GET", path: "/archive", pool: "train", followRedirects: false })
      .catch((x: unknown) => x);
    expect((e as { status?: number }).status).toBe(302);
    expect(server.requests).toHaveLength(1);
  });
});
