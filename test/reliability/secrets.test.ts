/**
 * The API key never leaks: not in error messages, stacks or serialized errors, not in
 * diagnostics_channel events, telemetry payloads or request bodies, not in warnings, not in CLI
 * output. Only the X-API-Key request header carries it.
 */
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { CHANNELS, ServiceClient } from "../../src/index.js";
import { EXIT } from "../../src/cli/errors.js";
import { runCliInProcess } from "../cli/run-cli.js";
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
    // A server that answers: each command gets a real error answer and must exit with its own code
    // (in-process, so a hang fails by the test timeout rather than passing as a killed child).
    api.server.script(
      "GET /api/v1/training_runs",
      { status: 401, body: { detail: "invalid api key" } },
      { status: 401, body: { detail: "invalid api key" } },
    );
    api.server.script("GET /api/v1/training_runs/run-1", { status: 404, body: { detail: "no run-1" } });
    const env = { TINKER_API_KEY: KEY, TINKER_BASE_URL: api.server.url, TINKER_TELEMETRY: "0" };
    const runs = [
      await runCliInProcess(["run", "list"], env),
      await runCliInProcess(["--format", "json", "run", "list"], env),
      await runCliInProcess(["--debug", "checkpoint", "info", "tinker://nope"], env),
      await runCliInProcess(["--debug", "run", "info", "run-1"], env),
    ];
    expect(runs.map((r) => r.code)).toEqual([EXIT.auth, EXIT.auth, EXIT.usage, EXIT.notFound]);
    expect(runs[0]?.stderr).toContain("Error: Authentication failed");
    expect(JSON.parse(runs[1]?.stderr ?? "")).toMatchObject({
      error: { message: "Authentication failed", exit_code: EXIT.auth },
    });
    expect(runs[2]?.stderr).toContain("Invalid tinker path: tinker://nope");
    expect(runs[3]?.stderr).toContain("Error: Resource not found");
    // --debug prints the stack: it must not carry the key either.
    expect(runs[3]?.stderr).toMatch(/\n\s+at /);
    for (const r of runs) expect(`${r.stdout}${r.stderr}`).not.toContain(SECRET);
  });
});
