/** `tinker-ts emulator`: starts a working server in the foreground and stops cleanly when told to. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCliInProcess } from "./run-cli.js";

const work = mkdtempSync(join(tmpdir(), "tinker-cli-emu-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs `tinker-ts emulator …` in-process until `stop()`; resolves once it printed its URL. */
async function startEmulatorCommand(args: string[], env: Record<string, string>) {
  let stop!: () => void;
  const stopped = new Promise<void>((r) => (stop = r));
  let onUrl!: (url: string) => void;
  const printed = new Promise<string>((r) => (onUrl = r));
  const run = runCliInProcess(args, env, {
    untilStopped: () => stopped,
    onStdout: (out) => {
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m?.[1]) onUrl(m[1]);
    },
  });
  const url = await Promise.race([
    printed,
    run.then((r) => Promise.reject(new Error(`emulator exited early (${r.code}): ${r.stderr}`))),
  ]);
  return { url, run, stop };
}

describe("tinker-ts emulator", () => {
  it("serves the API on the printed URL with the fixed key, and exits 0 when stopped", async () => {
    const dataDir = join(work, "data");
    const { url, run, stop } = await startEmulatorCommand(
      ["emulator", "--port", "0", "--data-dir", dataDir, "--api-key", "tml-EMU-KEY"],
      {},
    );
    try {
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
    } finally {
      stop();
    }
    const result = await run;
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain("tml-EMU-KEY");
  });

  it("takes the key from TINKER_EMULATOR_API_KEY, keeping it off the command line", async () => {
    const { url, run, stop } = await startEmulatorCommand(
      ["emulator", "--port", "0", "--data-dir", join(work, "env-data")],
      { TINKER_EMULATOR_API_KEY: "tml-ENV-KEY" },
    );
    try {
      const call = (key: string) =>
        fetch(`${url}/api/v1/get_server_capabilities`, { headers: { "x-api-key": key } });
      expect((await call("tml-ENV-KEY")).status).toBe(200);
      expect((await call("other")).status).toBe(401);
    } finally {
      stop();
    }
    const result = await run;
    expect(result.code).toBe(0);
    expect(result.stdout).not.toContain("tml-ENV-KEY");
    expect(result.stdout).toContain("TINKER_API_KEY=<your key>");
  });

  it("rejects a fault rate outside [0, 1] as a usage error before starting", async () => {
    const r = await runCliInProcess(["emulator", "--port", "0", "--faults", "2"], {});
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("'2' is not a rate between 0 and 1.");
  });
});
