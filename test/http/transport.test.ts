import { jsonBody } from "../../src/types/codec.js";
import diagnostics from "node:diagnostics_channel";
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resolveConfig } from "../../src/core/config.js";
import {
  APIConnectionError,
  APIError,
  APITimeoutError,
  APIUserAbortError,
  AuthenticationError,
  BadRequestError,
  InternalServerError,
  NotFoundError,
  RateLimitError,
  TinkerError,
} from "../../src/errors/index.js";
import { CHANNELS } from "../../src/core/instrumentation.js";
import { Transport } from "../../src/core/transport.js";
import { type ScriptedServer, startScriptedServer } from "../support/scripted-server.js";

const KEY = "tml-TESTKEY";
let server: ScriptedServer;
let transport: Transport;
let sleeps: number[];

function make(opts: { maxRetries?: number; timeout?: number; baseSuffix?: string } = {}) {
  sleeps = [];
  return new Transport(
    resolveConfig(
      {
        apiKey: KEY,
        baseUrl: server.url + (opts.baseSuffix ?? ""),
        maxRetries: opts.maxRetries,
        timeout: opts.timeout,
      },
      {},
    ),
    {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0,
    },
  );
}

beforeEach(async () => {
  server = await startScriptedServer();
  transport = make();
});
afterEach(async () => {
  await transport.close();
  await server.close();
});

describe("retries", () => {
  it("retries 500 then succeeds, same idempotency key, counting retry header", async () => {
    server.script("POST /api/v1/x", { status: 500 }, { status: 503 }, { status: 200, body: { ok: 1 } });
    const res = await transport.request({
      method: "POST",
      path: "/api/v1/x",
      body: jsonBody({}),
      pool: "session",
    });
    expect(res.body).toEqual({ ok: 1 });
    expect(server.requests.map((r) => r.headers["x-stainless-retry-count"])).toEqual(["0", "1", "2"]);
    const keys = new Set(server.requests.map((r) => r.headers["x-idempotency-key"]));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toMatch(/^tinker-ts-retry-[0-9a-f-]{36}$/);
    expect(sleeps).toEqual([500, 1000]);
  });

  it("a new call gets a new idempotency key; GET gets none", async () => {
    await transport.request({ method: "POST", path: "/a", body: jsonBody({}), pool: "session" });
    await transport.request({ method: "POST", path: "/a", body: jsonBody({}), pool: "session" });
    await transport.request({ method: "GET", path: "/a", pool: "session" });
    const [a, b, c] = server.requests;
    expect(a?.headers["x-idempotency-key"]).not.toBe(b?.headers["x-idempotency-key"]);
    expect(c?.headers["x-idempotency-key"]).toBeUndefined();
  });

  it("does not retry 400 or x-should-retry false", async () => {
    server.script("POST /b", { status: 400, body: { detail: "bad input" } });
    await expect(
      transport.request({ method: "POST", path: "/b", body: jsonBody({}), pool: "session" }),
    ).rejects.toThrow(BadRequestError);
    server.script("POST /c", { status: 500, headers: { "x-should-retry": "false" } });
    await expect(
      transport.request({ method: "POST", path: "/c", body: jsonBody({}), pool: "session" }),
    ).rejects.toThrow(InternalServerError);
    expect(server.requests).toHaveLength(2);
  });

  it("honours retry-after and per-call maxRetries", async () => {
    server.script("GET /d", { status: 429, headers: { "retry-after": "3" } }, { status: 429 });
    await expect(
      transport.request({ method: "GET", path: "/d", pool: "session", maxRetries: 1 }),
    ).rejects.toThrow(RateLimitError);
    expect(sleeps).toEqual([3000]);
    expect(server.requests).toHaveLength(2);
  });

  it("retries connection resets, then throws APIConnectionError", async () => {
    server.script("GET /e", { reset: true }, { reset: true });
    const t = make({ maxRetries: 1 });
    await expect(t.request({ method: "GET", path: "/e", pool: "session" })).rejects.toThrow(
      APIConnectionError,
    );
    await t.close();
    expect(server.requests).toHaveLength(2);
  });
});

describe("timeouts and abort", () => {
  it("times out an attempt and retries it", async () => {
    server.script("GET /slow", { delayMs: 300 }, { status: 200, body: { ok: 2 } });
    const res = await transport.request({ method: "GET", path: "/slow", pool: "session", timeoutMs: 50 });
    expect(res.body).toEqual({ ok: 2 });
    expect(server.requests[1]?.headers["x-stainless-read-timeout"]).toBe("0.05");
  });

  it("throws APITimeoutError when out of retries", async () => {
    server.script("GET /slow", { delayMs: 300 });
    await expect(
      transport.request({ method: "GET", path: "/slow", pool: "session", timeoutMs: 50, maxRetries: 0 }),
    ).rejects.toThrow(APITimeoutError);
  });

  it("user abort is never retried", async () => {
    server.script("GET /slow", { delayMs: 300 });
    const ac = new AbortController();
    const p = transport.request({ method: "GET", path: "/slow", pool: "session", signal: ac.signal });
    // Abort once the server holds the request (a fixed delay raced the connection on a busy machine).
    await vi.waitFor(() => expect(server.requests).toHaveLength(1));
    ac.abort();
    await expect(p).rejects.toThrow(APIUserAbortError);
    expect(server.requests).toHaveLength(1);
  });
});

describe("x-stainless-read-timeout as 0.4.1 writes it", () => {
  const sent = async (t: Transport, extra: { timeoutMs?: number; floatTimeout?: boolean } = {}) => {
    const before = server.requests.length;
    await t.request({ method: "GET", path: "/rt", pool: "session", ...extra });
    return server.requests[before]?.headers["x-stainless-read-timeout"];
  };

  it("the default is the int 60; a timeout the user gives is a float of seconds", async () => {
    expect(await sent(transport)).toBe("60");
    for (const [timeout, text] of [
      [1_000, "1.0"],
      [750, "0.75"],
      [60_000, "60.0"],
    ] as const) {
      const t = make({ timeout });
      try {
        expect(await sent(t)).toBe(text);
      } finally {
        await t.close();
      }
    }
  });

  it("the SDK's fixed timeouts: 45 and 10 as ints, telemetry's 5.0 as a float", async () => {
    expect(await sent(transport, { timeoutMs: 45_000 })).toBe("45");
    expect(await sent(transport, { timeoutMs: 10_000 })).toBe("10");
    expect(await sent(transport, { timeoutMs: 5_000, floatTimeout: true })).toBe("5.0");
  });
});

describe("pools", () => {
  it("train requests do not wait for each other's connection (0.4.1: one request per httpx client, more clients on demand)", async () => {
    server.setDefault({ delayMs: 30, body: {} });
    await Promise.all(
      [1, 2, 3].map(() =>
        transport.request({ method: "POST", path: "/t", body: jsonBody({}), pool: "train" }),
      ),
    );
    expect(server.maxInFlight).toBe(3);
    await Promise.all(
      [1, 2, 3].map(() =>
        transport.request({ method: "POST", path: "/s", body: jsonBody({}), pool: "sample" }),
      ),
    );
    expect(server.maxInFlight).toBeGreaterThan(1);
  });
});

describe("headers, url, bodies", () => {
  it("sends 0.4.1-shaped headers and keeps the base path prefix", async () => {
    const t = make({ baseSuffix: "/services/x" });
    await t.request({
      method: "POST",
      path: "/api/v1/weights/0001",
      body: jsonBody({ a: 1 }),
      pool: "session",
      headers: { "X-Tinker-Foo": "1" },
    });
    await t.close();
    const r = server.requests[0];
    expect(r?.path).toBe("/services/x/api/v1/weights/0001");
    expect(r?.headers["x-api-key"]).toBe(KEY);
    expect(r?.headers["x-stainless-read-timeout"]).toBe("60");
    expect(r?.headers["x-stainless-runtime"]).toBe("node");
    expect(r?.headers["x-stainless-lang"]).toBe("js");
    expect(r?.headers["content-type"]).toBe("application/json");
    expect(r?.headers.accept).toBe("application/json");
    expect(r?.headers["x-tinker-foo"]).toBe("1");
    expect(r?.body).toEqual({ a: 1 });
  });

  // Node joins a repeated header with ", ", so a header sent twice would show as "7, 0".
  it("per-call headers win over the fixed ones and the SDK's own, and are sent once", async () => {
    await transport.request({
      method: "POST",
      path: "/h",
      body: jsonBody({}),
      pool: "session",
      headers: {
        Accept: "text/plain",
        "X-Stainless-Retry-Count": "7",
        "x-idempotency-key": "mine",
        "X-Multi": ["a", "b"],
      },
    });
    const r = server.requests[0];
    expect(r?.headers.accept).toBe("text/plain");
    expect(r?.headers["x-stainless-retry-count"]).toBe("7");
    expect(r?.headers["x-idempotency-key"]).toBe("mine");
    expect(r?.headers["x-multi"]).toBe("a, b");
    expect(r?.headers["x-stainless-read-timeout"]).toBe("60");
  });

  it("decodes gzip and rejects bad JSON with APIError", async () => {
    server.script("GET /g", { gzip: true, body: { z: 1 } });
    expect((await transport.request({ method: "GET", path: "/g", pool: "session" })).body).toEqual({ z: 1 });
    server.script("GET /bad", { raw: "{nope", headers: { "content-type": "application/json" } });
    const err = await transport.request({ method: "GET", path: "/bad", pool: "session" }).catch((e) => e);
    expect(err).toBeInstanceOf(APIError);
    expect(err).not.toBeInstanceOf(SyntaxError);
  });

  it("encodes a body once per call, and one that cannot be encoded fails before anything is sent", async () => {
    server.script("POST /twice", { status: 500 }, { body: { ok: true } });
    let reads = 0;
    const body = {
      toJSON() {
        reads++;
        return { n: 1 };
      },
    };
    await transport.request({ method: "POST", path: "/twice", body: jsonBody(body), pool: "session" });
    expect(server.requests.map((r) => r.body)).toEqual([{ n: 1 }, { n: 1 }]);
    expect(reads).toBe(1);
    // A BigInt is a programming error, not a connection problem: the codec throws before any request.
    expect(() => jsonBody({ n: 1n })).toThrow(TypeError);
    expect(server.requests).toHaveLength(2);
    expect(sleeps).toEqual([500]);
  });

  it("follows redirects by default", async () => {
    server.script("GET /old", { status: 307, headers: { location: "/new" } });
    server.script("GET /new", { body: { moved: true } });
    expect((await transport.request({ method: "GET", path: "/old", pool: "session" })).body).toEqual({
      moved: true,
    });
  });
});

describe("errors and events never contain the key", () => {
  it("maps statuses with readable messages", async () => {
    server.script("GET /401", {
      status: 401,
      body: { detail: "nope" },
      headers: { "x-request-id": "req-9" },
    });
    const err = await transport.request({ method: "GET", path: "/401", pool: "session" }).catch((e) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err.message).toBe("401 Unauthorized: nope");
    expect(err.status).toBe(401);
    expect(err.xRequestId).toBe("req-9");
    server.script("GET /404", { status: 404 });
    await expect(transport.request({ method: "GET", path: "/404", pool: "session" })).rejects.toThrow(
      NotFoundError,
    );
  });

  it("end/error/retry events and error messages carry no API key", async () => {
    const seen: unknown[] = [];
    const names = [CHANNELS.requestEnd, CHANNELS.requestError, CHANNELS.requestRetry];
    const sub = (m: unknown) => seen.push(m);
    for (const n of names) diagnostics.subscribe(n, sub);
    try {
      server.script("GET /k", { status: 500 }, { status: 401, body: { detail: "x" } });
      const err = await transport.request({ method: "GET", path: "/k", pool: "session" }).catch((e) => e);
      expect(String(err.message)).not.toContain(KEY);
      expect(seen.length).toBeGreaterThan(0);
      expect(JSON.stringify(seen)).not.toContain(KEY);
    } finally {
      for (const n of names) diagnostics.unsubscribe(n, sub);
    }
  });

  it("start subscribers can inject headers", async () => {
    const sub = (m: unknown) => {
      (m as { headers: Record<string, string> }).headers.traceparent = "00-abc";
    };
    diagnostics.subscribe(CHANNELS.requestStart, sub);
    try {
      await transport.request({ method: "GET", path: "/tp", pool: "session" });
    } finally {
      diagnostics.unsubscribe(CHANNELS.requestStart, sub);
    }
    expect(server.requests[0]?.headers.traceparent).toBe("00-abc");
  });
});

describe("config", () => {
  it("env precedence and missing key", () => {
    expect(() => resolveConfig({}, {})).toThrow(TinkerError);
    expect(() => resolveConfig({}, {})).toThrow(/TINKER_API_KEY/);
    expect(resolveConfig({ apiKey: "a" }, { TINKER_API_KEY: "b" }).apiKey).toBe("a");
    expect(resolveConfig({}, { TINKER_API_KEY: "b" }).apiKey).toBe("b");
    const c = resolveConfig(
      {},
      {
        TINKER_API_KEY: "b",
        TINKER_BASE_URL: "http://h",
        TINKER_TAGS: "x,y,x",
        TINKER_TELEMETRY: "off",
        CLOUDFLARE_ACCESS_CLIENT_ID: "cf",
      },
    );
    expect(c.baseUrl).toBe("http://h");
    expect(c.tags).toEqual(["x", "y"]);
    expect(c.telemetryEnabled).toBe(false);
    expect(c.defaultHeaders["CF-Access-Client-Id"]).toBe("cf");
    expect(resolveConfig({ apiKey: "a" }, {}).baseUrl).toBe(
      "https://tinker.thinkingmachines.dev/services/tinker-prod",
    );
  });
});

describe("golden retries.jsonl", () => {
  it("retry-count sequence and key stability match 0.4.1 per path", () => {
    const lines = readFileSync(new URL("../fixtures/golden/retries.jsonl", import.meta.url), "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => JSON.parse(l) as { method: string; headers: Record<string, string> });
    const byKey = new Map<string, string[]>();
    for (const l of lines) {
      const k = l.headers["x-idempotency-key"];
      if (!k) continue;
      byKey.set(k, [...(byKey.get(k) ?? []), l.headers["x-stainless-retry-count"] ?? ""]);
    }
    expect(byKey.size).toBeGreaterThan(0);
    // Each key's attempts count 0,1,2,... exactly as our transport sends them.
    for (const counts of byKey.values()) expect(counts).toEqual(counts.map((_, i) => String(i)));
    expect(lines[0]?.headers["x-stainless-read-timeout"]).toBe("60");
  });
});
