/** `tinker-ts emulator`: starts a working server in the foreground and stops cleanly on SIGINT. */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { BIN, runBuiltCli } from "./run-cli.js";

const work = mkdtempSync(join(tmpdir(), "tinker-cli-emu-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("tinker-ts emulator", () => {
  it("serves the API on the printed URL with the fixed key, and exits 0 on SIGINT", async () => {
    const dataDir = join(work, "data");
    const child = spawn(
      process.execPath,
      [BIN, "emulator", "--port", "0", "--data-dir", dataDir, "--api-key", "tml-EMU-KEY"],
      { cwd: work, env: { PATH: process.env.PATH }, stdio: ["ignore", "pipe", "pipe"] },
    );
    const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    try {
      let stdout = "";
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on("data", (d) => {
          stdout += d;
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
          if (m?.[1]) resolve(m[1]);
        });
        child.on("exit", (code) => reject(new Error(`emulator exited early (${code}): ${stdout}`)));
      });
      expect(stdout).not.toContain("tml-EMU-KEY");
      const ok = await fetch(`${url}/api/v1/get_server_capabilities`, {
        headers: { "x-api-key": "tml-EMU-KEY" },
      });
      expect(ok.status).toBe(200);
      const body = (await ok.json()) as { supported_models: Array<{ model_name: string }> };
      expect(body.supported_models.length).toBeGreaterThan(0);
      const denied = await fetch(`${url}/api/v1/get_server_capabilities`, {
        headers: { "x-api-key": "other" },
      });
      expect(denied.status).toBe(401);
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      child.kill("SIGINT");
      expect(await exited).toBe(0);
    } finally {
      clearTimeout(killer);
      child.kill("SIGKILL");
    }
  });

  it("takes the key from TINKER_EMULATOR_API_KEY, keeping it off the command line", async () => {
    const child = spawn(process.execPath, [BIN, "emulator", "--port", "0"], {
      cwd: work,
      env: { PATH: process.env.PATH, TINKER_EMULATOR_API_KEY: "tml-ENV-KEY" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    try {
      let stdout = "";
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on("data", (d) => {
          stdout += d;
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
          if (m?.[1]) resolve(m[1]);
        });
        child.on("exit", (code) => reject(new Error(`emulator exited early (${code}): ${stdout}`)));
      });
      expect(stdout).not.toContain("tml-ENV-KEY");
      expect(stdout).toContain("TINKER_API_KEY=<your key>");
      const call = (key: string) =>
        fetch(`${url}/api/v1/get_server_capabilities`, { headers: { "x-api-key": key } });
      expect((await call("tml-ENV-KEY")).status).toBe(200);
      expect((await call("other")).status).toBe(401);
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      child.kill("SIGINT");
      expect(await exited).toBe(0);
    } finally {
      clearTimeout(killer);
      child.kill("SIGKILL");
    }
  });

  it("rejects a fault rate outside [0, 1] as a usage error before starting", async () => {
    const r = await runBuiltCli(["emulator", "--port", "0", "--faults", "2"], {}, work);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("'2' is not a rate between 0 and 1.");
  });
});
