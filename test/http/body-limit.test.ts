/**
 * Issue 21: the SDK caps a response body after decompression. A gzip bomb (or a plain oversized
 * body) fails as a typed ResponseTooLargeError, after one attempt: it is not retried.
 */
import { inspect } from "node:util";
import { deflateSync, gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/core/config.js";
import { ResponseTooLargeError, TinkerError } from "../../src/errors/index.js";
import { Transport } from "../../src/core/transport.js";
import { jsonBody } from "../../src/types/codec.js";
import { ServiceClient } from "../../src/index.js";
import { type ScriptedServer, startScriptedServer } from "../support/scripted-server.js";

const KEY = "tml-BODYLIMIT-KEY";
let server: ScriptedServer;
let transport: Transport;
beforeEach(async () => {
  server = await startScriptedServer();
});
afterEach(async () => {
  await transport?.close();
  await server.close();
});

function make(maxResponseBytes?: number): Transport {
  transport = new Transport(
    resolveConfig(
      { apiKey: KEY, baseUrl: server.url, maxRetries: 3, ...(maxResponseBytes ? { maxResponseBytes } : {}) },
      {},
    ),
    { sleep: async () => {} },
  );
  return transport;
}

const post = (t: Transport) =>
  t.request({ method: "POST", path: "/api/v1/x", body: jsonBody({}), pool: "session" });

describe("decompressed response cap", () => {
  it("refuses a gzip bomb at the cap, typed and not retried", async () => {
    // 64 MiB of one JSON string, ~64 KB on the wire.
    const bomb = gzipSync(Buffer.from(`"${"0".repeat(64 * 1024 * 1024)}"`));
    expect(bomb.length).toBeLessThan(200_000);
    server.script("POST /api/v1/x", {
      headers: { "content-encoding": "gzip", "content-type": "application/json" },
      raw: bomb,
    });
    const err = await post(make(1024 * 1024)).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ResponseTooLargeError);
    expect(err).toBeInstanceOf(TinkerError);
    expect((err as ResponseTooLargeError).code).toBe("TINKER_RESPONSE_TOO_LARGE");
    expect((err as ResponseTooLargeError).limit).toBe(1024 * 1024);
    expect((err as Error).message).toMatch(/gzip body inflates past \d+ bytes \(limit 1048576 bytes/);
    expect(server.requests).toHaveLength(1);
  });

  it("refuses a deflate bomb and a declared length over the cap", async () => {
    server.script(
      "POST /api/v1/x",
      {
        headers: { "content-encoding": "deflate", "content-type": "application/json" },
        raw: deflateSync(Buffer.from(`"${"0".repeat(8 * 1024 * 1024)}"`)),
      },
      {
        headers: { "content-type": "application/json", "content-length": String(2 * 1024 * 1024 + 2) },
        raw: `"${"1".repeat(2 * 1024 * 1024)}"`,
      },
      { headers: { "content-type": "application/json" }, raw: `"${"1".repeat(2 * 1024 * 1024)}"` },
    );
    const t = make(1024 * 1024);
    expect(
      await post(t).then(
        () => null,
        (e: unknown) => e,
      ),
    ).toBeInstanceOf(ResponseTooLargeError);
    const declared = await post(t).then(
      () => null,
      (e: unknown) => e,
    );
    expect(declared).toBeInstanceOf(ResponseTooLargeError);
    expect((declared as Error).message).toMatch(/content-length 2097154 bytes/);
    // Chunked, no length declared: counted as it arrives.
    const chunked = await post(t).then(
      () => null,
      (e: unknown) => e,
    );
    expect((chunked as Error).message).toMatch(/more than \d+ bytes received/);
    expect(server.requests).toHaveLength(3);
  });

  it("reads compressed and plain answers under the cap as before", async () => {
    server.script("POST /api/v1/x", { gzip: true, body: { ok: "gzip" } }, { body: { ok: "plain" } });
    const t = make(1024);
    expect((await post(t)).body).toEqual({ ok: "gzip" });
    expect((await post(t)).body).toEqual({ ok: "plain" });
  });

  it("rejects a non-positive maxResponseBytes option", () => {
    expect(() => resolveConfig({ apiKey: KEY, maxResponseBytes: 0 }, {})).toThrow(/maxResponseBytes/);
  });
});

describe("small exposures of the key", () => {
  it("a key passed by mistake as baseUrl is not echoed in the configuration error", () => {
    let message = "";
    try {
      resolveConfig({ apiKey: KEY, baseUrl: "tml-OOPS-THIS-IS-A-KEY" }, {});
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/baseUrl must be an http\(s\) URL/);
    expect(message).not.toContain("tml-OOPS");
  });

  it("util.inspect with getters and hidden fields does not reach the key", async () => {
    const service = new ServiceClient({
      apiKey: KEY,
      baseUrl: server.url,
      telemetry: false,
      defaultHeaders: { "CF-Access-Client-Secret": "CF-SECRET" },
    });
    try {
      const text = inspect(service, { showHidden: true, getters: true, depth: 8 });
      expect(text).not.toContain(KEY);
      expect(text).not.toContain("CF-SECRET");
      expect(JSON.stringify(resolveConfig({ apiKey: KEY }, {}))).not.toContain(KEY);
      // The values stay usable where the SDK needs them.
      expect(resolveConfig({ apiKey: KEY }, {}).apiKey).toBe(KEY);
    } finally {
      await service.close();
    }
  });
});
