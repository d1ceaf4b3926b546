/**
 * The CLI's bound on each call: an unreachable host fails within seconds with one line, and
 * `--timeout` bounds a server that never answers (in-process, loopback only).
 */
import { createServer, type Server } from "node:net";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { runCliInProcess } from "./run-cli.js";

/** A port on 127.0.0.1 with nothing listening (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe("CLI deadlines", () => {
  it("run list against a closed port exits non-zero with one line", async () => {
    const port = await closedPort();
    const r = await runCliInProcess(["run", "list"], {
      TINKER_API_KEY: "tml-x",
      TINKER_BASE_URL: `http://127.0.0.1:${port}`,
      TINKER_TELEMETRY: "0",
    });
    expect(r.code).not.toBe(0);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Error: Connection failed: could not reach the Tinker API \(ECONNREFUSED\)/);
  }, 30_000);

  it("--timeout bounds a server that accepts but never answers", async () => {
    // Accepts connections and never writes: only the call's bound ends the wait.
    const sockets: import("node:net").Socket[] = [];
    const server: Server = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    try {
      const r = await runCliInProcess(["--timeout", "0.5", "run", "list"], {
        TINKER_API_KEY: "tml-x",
        TINKER_BASE_URL: `http://127.0.0.1:${port}`,
        TINKER_TELEMETRY: "0",
      });
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(
        /^Error: Request timeout: .* timed out after 0\.\d s while waiting for GET \/api\/v1\/training_runs/,
      );
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    }
  }, 30_000);

  it("refuses a --timeout that is not a positive number", async () => {
    const r = await runCliInProcess(["--timeout", "soon", "run", "list"], { TINKER_API_KEY: "tml-x" });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--timeout must be a positive number/);
  });
});
