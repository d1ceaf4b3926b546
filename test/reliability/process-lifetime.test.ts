/**
 * The SDK's waits and the process's life: a back-off a pending call depends on keeps Node alive
 * (a script must not end mid-call), while background loops never do (see chaos.test.ts for exit
 * after close()).
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type ScriptedServer, startScriptedServer } from "../support/scripted-server.js";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

let server: ScriptedServer;
beforeEach(async () => {
  server = await startScriptedServer();
});
afterEach(async () => {
  await server.close();
});

describe("process lifetime", () => {
  it("a script awaiting a call that is backing off is not ended by Node", async () => {
    server.script("POST /api/v1/create_session", { body: { session_id: "s-1" } });
    const busy = { status: 503, headers: { "retry-after-ms": "300" }, body: {} };
    server.script("GET /api/v1/get_server_capabilities", busy, busy, {
      body: { supported_models: [{ model_name: "m" }] },
    });
    const { code, out } = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile(
        process.execPath,
        ["--import", "tsx", "test/reliability/backoff-exit.ts", server.url],
        { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME }, timeout: 30_000 },
        (error, stdout, stderr) =>
          resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out: stdout + stderr }),
      );
    });
    expect(code, out).toBe(0);
    expect(out).toContain("backoff-exit: 1 models");
    expect(server.requests.filter((r) => r.path === "/api/v1/get_server_capabilities")).toHaveLength(3);
  }, 40_000);
});
