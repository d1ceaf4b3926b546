/**
 * The API key never leaks: not in error messages, stacks or serialized errors, not in
 * diagnostics_channel events, telemetry payloads or request bodies, not in warnings, not in CLI
 * output. Only the X-API-Key request header carries it.
 */
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { CHANNELS, ServiceClient } from "../../src/index.js";
import { runBuiltCli } from "../cli/run-cli.js";
import { type FakeApi, startFakeApi } from "../clients/fake-api.js";

const KEY = "tml-SECRET-KEY-123456";
const SECRET = "SECRET-KEY-123456";

let api: FakeApi;
const seen: string[] = [];
const handlers = new Map<string, (m: unknown) => void>();

function record(label: string, value: unknown): void {
  let text: string;
  try {
    text = JSON.stringify(value, (_k, v) =>
      v instanceof Error ? { ...v, name: v.name, message: v.message, stack: v.stack } : v,
    );
  } catch {
    text = String(value);
  }
  seen.push(`${label}: ${text} ${String(value)}`);
}

beforeAll(async () => {
  api = await startFakeApi();
  for (const name of Object.values(CHANNELS)) {
    const fn = (m: unknown) => record(name, m);
    handlers.set(name, fn);
    subscribe(name, fn);
  }
});

afterAll(async () => {
  for (const [name, fn] of handlers) unsubscribe(name, fn);
  await api.close();
});

describe("the API key never leaks", () => {
  it("from errors, events, telemetry, warnings and request bodies", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation((...a) => record("console.warn", a));
    const error = vi.spyOn(console, "error").mockImplementation((...a) => record("console.error", a));
    try {
      const service = new ServiceClient({
        apiKey: KEY,
        baseUrl: api.server.url,
        telemetry: true,
        maxRetries: 1,
        deps: api.clock.deps,
      });
      const caps = "GET /api/v1/get_server_capabilities";
      api.server.script(
        caps,
        { status: 401, body: { detail: "invalid api key" } },
        { status: 400, body: { detail: "bad" } },
        { status: 500, headers: { "x-should-retry": "false" }, body: { detail: "down" } },
      );
      for (let i = 0; i < 3; i++) {
        const e = await service.getServerCapabilities().catch((x: unknown) => x);
        record("error", e);
        record("stack", (e as Error).stack);
      }
      const training = await service.createLoraTrainingClient("base");
      try {
        await training.loadState("not-a-path");
      } catch (e) {
        record("validation error", e);
      }
      await service.close();

      // A server that is not there: connection errors.
      const gone = new ServiceClient({
        apiKey: KEY,
        baseUrl: "http://127.0.0.1:9",
        maxRetries: 0,
        telemetry: false,
      });
      record("connection error", await gone.sessionId().catch((x: unknown) => x));
      await gone.close();
    } finally {
      warn.mockRestore();
      error.mockRestore();
    }
    // What the server received, except the one header meant to carry the key.
    for (const r of api.server.requests) {
      const { "x-api-key": apiKeyHeader, ...headers } = r.headers;
      expect(apiKeyHeader).toBe(KEY);
      record(`request ${r.path}`, { headers, body: r.body });
    }
    expect(api.server.requests.some((r) => r.path === "/api/v1/telemetry")).toBe(true);
    expect(seen.length).toBeGreaterThan(20);
    expect(seen.filter((s) => s.includes(SECRET))).toEqual([]);
  });

  it("from CLI output, in both formats and on errors", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tinker-secrets-"));
    try {
      api.server.script("GET /api/v1/training_runs", { status: 401, body: { detail: "invalid api key" } });
      const env = { TINKER_API_KEY: KEY, TINKER_BASE_URL: api.server.url, TINKER_TELEMETRY: "0" };
      const runs = [
        await runBuiltCli(["run", "list"], env, dir),
        await runBuiltCli(["--format", "json", "run", "list"], env, dir),
        await runBuiltCli(["--debug", "checkpoint", "info", "tinker://nope"], env, dir),
        await runBuiltCli(["run", "info", "run-1"], { ...env, TINKER_BASE_URL: "http://127.0.0.1:9" }, dir),
      ];
      expect(runs.map((r) => r.code).every((c) => c !== 0)).toBe(true);
      for (const r of runs) expect(`${r.stdout}${r.stderr}`).not.toContain(SECRET);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
