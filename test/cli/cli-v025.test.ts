/**
 * The CLI commands of the 0.25.0 CLI, in-process against the emulator (protocol 0.25.0 via
 * TINKER_PROTOCOL): `checkpoint set-ttl`, `checkpoint delete` by paths and by filtered run,
 * `run list --columns`, `billing usage` and `session export-trace`.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { ServiceClient } from "../../src/index.js";
import { type CliResult, runCliInProcess } from "./run-cli.js";

const KEY = "tml-CLI-V025-KEY";

let emulator: Emulator;
let work: string;
let runId: string;
let sessionId: string;
const paths: Record<string, string> = {};

function cli(args: string[], input?: string): Promise<CliResult> {
  return runCliInProcess(
    args,
    {
      HOME: work,
      TINKER_API_KEY: KEY,
      TINKER_BASE_URL: emulator.url,
      TINKER_TELEMETRY: "0",
      TINKER_PROTOCOL: "0.25.0",
    },
    { input },
  );
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "tinker-cli-v025-"));
  emulator = await startEmulator({ apiKey: KEY });
  const service = new ServiceClient({
    apiKey: KEY,
    baseUrl: emulator.url,
    telemetry: false,
    protocol: "0.25.0",
  });
  try {
    const training = await service.createLoraTrainingClient("Qwen/Qwen3-8B", { rank: 4 });
    runId = training.modelId;
    sessionId = await service.sessionId();
    for (const name of ["a", "b", "c"]) paths[name] = (await training.saveState(name)).path;
    paths.s = (await training.saveWeightsForSampler("s")).path ?? "";
  } finally {
    await service.close();
  }
});
afterAll(async () => {
  await emulator?.close();
  rmSync(work, { recursive: true, force: true });
});

const expiresOf = async (path: string) => {
  const list = await cli(["-f", "json", "checkpoint", "list", "--run-id", runId]);
  const body = JSON.parse(list.stdout) as {
    checkpoints: Array<{ tinker_path: string; expires_at?: string | null }>;
  };
  return body.checkpoints.find((c) => c.tinker_path === path)?.expires_at;
};

describe("checkpoint set-ttl", () => {
  it("sets and removes the TTL; needs exactly one of --ttl and --remove", async () => {
    expect(await cli(["checkpoint", "set-ttl", paths.a as string, "--ttl", "3600"])).toMatchObject({
      code: 0,
    });
    expect(Date.parse((await expiresOf(paths.a as string)) ?? "")).toBeGreaterThan(Date.now());
    expect((await cli(["checkpoint", "set-ttl", paths.a as string, "--remove"])).code).toBe(0);
    expect(await expiresOf(paths.a as string)).toBeNull();
    const neither = await cli(["checkpoint", "set-ttl", paths.a as string]);
    expect([neither.code, neither.stderr]).toEqual([2, expect.stringContaining("Must specify either --ttl")]);
    const both = await cli(["checkpoint", "set-ttl", paths.a as string, "--ttl", "5", "--remove"]);
    expect([both.code, both.stderr]).toEqual([2, expect.stringContaining("Cannot specify both")]);
    expect((await cli(["checkpoint", "set-ttl", paths.a as string, "--ttl", "0"])).code).toBe(2);
    expect((await cli(["checkpoint", "set-ttl", "run-1/weights/a", "--ttl", "5"])).code).toBe(2);
  });
});

describe("checkpoint delete", () => {
  it("refuses contradictory or missing selections before any request", async () => {
    const sent = emulator.log.entries.length;
    for (const [args, msg] of [
      [[], "Must specify checkpoint paths or --run-id"],
      [[paths.a as string, "--run-id", runId], "Cannot specify both"],
      [[paths.a as string, "--type", "weights"], "require --run-id"],
      [["--run-id", runId, "--type", "bogus"], "Invalid checkpoint type: bogus"],
      [["--run-id", runId, "--before", "June"], "Invalid date: June"],
    ] as const) {
      const r = await cli(["checkpoint", "delete", ...args]);
      expect([r.code, r.stderr]).toEqual([2, expect.stringContaining(msg)]);
    }
    expect(emulator.log.entries.length).toBe(sent);
  });

  it("by run and filters: a summary with sizes, 'n' cancels, -y deletes; nothing matching says so", async () => {
    const old = await cli(["checkpoint", "delete", "--run-id", runId, "--before", "2000-01-01"]);
    expect(old).toMatchObject({
      code: 0,
      stdout: `No checkpoints found for run ${runId} matching filters\n`,
    });
    const cancelled = await cli(
      ["checkpoint", "delete", "--run-id", runId, "--type", "sampler_weights"],
      "n\n",
    );
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toContain("Will delete 1 checkpoint(s):");
    expect(cancelled.stdout).toContain(`  - ${paths.s} (`);
    expect(cancelled.stdout).toContain("Total size:");
    expect(cancelled.stdout).toContain("Are you sure you want to delete 1 checkpoint(s)? [y/N]: ");
    expect(cancelled.stdout).toContain("Deletion cancelled.");
    const done = await cli([
      "checkpoint",
      "delete",
      "--run-id",
      runId,
      "--type",
      "sampler_weights",
      "--after",
      "2000-01-01T00:00:00Z",
      "-y",
    ]);
    expect(done).toMatchObject({ code: 0, stdout: "Deleted 1 checkpoint(s)\n" });
    expect((await cli(["checkpoint", "info", paths.s as string])).code).toBe(4);
  });

  it("by paths: several at once, each failure reported (JSON too)", async () => {
    const missing = `tinker://${runId}/weights/never`;
    const asked = await cli(["checkpoint", "delete", paths.b as string, missing], "n\n");
    expect(asked.stdout).toContain(`Will delete 2 checkpoint(s):\n  - ${paths.b}\n  - ${missing}\n`);
    const r = await cli(["-f", "json", "checkpoint", "delete", paths.b as string, missing, "-y"]);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.stdout) as {
      deleted_count: number;
      failed: Array<{ tinker_path: string; error: string }>;
    };
    expect(body.deleted_count).toBe(1);
    expect(body.failed.map((f) => f.tinker_path)).toEqual([missing]);
    const table = await cli(["checkpoint", "delete", missing, "-y"]);
    expect(table.stdout).toContain("Deleted 0 checkpoint(s)\nFailed to delete 1 checkpoint(s):\n");
  });
});

describe("run list --columns", () => {
  it("shows the chosen columns in order; an unknown one is a usage error naming the available ones", async () => {
    const r = await cli(["run", "list", "--columns", "status,id,checkpoint"]);
    expect(r.code).toBe(0);
    const header = r.stdout.split("\n").find((l) => l.includes("Run ID")) ?? "";
    expect(header.indexOf("Status")).toBeLessThan(header.indexOf("Run ID"));
    expect(header).toContain("Last Checkpoint");
    expect(header).not.toContain("Base Model");
    expect(r.stdout).toContain("OK");
    const bad = await cli(["run", "list", "-c", "id,colour"]);
    expect([bad.code, bad.stderr]).toEqual([
      2,
      expect.stringContaining("Unknown column(s): colour. Available: id, model"),
    ]);
  });
});

describe("billing usage", () => {
  const hour = Math.floor(Date.now() / 3_600_000) * 3_600_000;
  const window = [new Date(hour).toISOString(), new Date(hour + 3_600_000).toISOString()];

  it("prints flattened rows, JSON with sessions, and CSV", async () => {
    const table = await cli(["billing", "usage", ...window]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^\d+ hourly usage row\(s\)\n/);
    expect(table.stdout).toContain("checkpoint");
    const json = JSON.parse((await cli(["-f", "json", "billing", "usage", ...window])).stdout);
    expect(json.sessions).toHaveProperty([sessionId]);
    expect(json.data[0].event_info.type).toBeDefined();
    const csv = await cli(["billing", "usage", ...window, "--csv", "-"]);
    expect(csv.stdout.split("\r\n")[0]).toBe(
      "bucket_start,bucket_end,base_model,user_id,user_name,session_id,project_id,type,count",
    );
    const file = join(work, "sessions.csv");
    const sessions = await cli(["billing", "usage", ...window, "--sessions-csv", file]);
    expect(sessions.stderr).toContain(`Wrote 1 row(s) to ${file}`);
    expect(readFileSync(file, "utf8")).toBe(`session_id,user_metadata\r\n${sessionId},\r\n`);
  });

  it("a malformed time is a usage error; the server's window rules come back as its 400", async () => {
    const bad = await cli(["billing", "usage", "yesterday", window[1] as string]);
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining("startingOn")]);
    const long = await cli(["billing", "usage", "2025-01-01T00:00:00Z", "2025-02-01T00:00:00Z"]);
    expect([long.code, long.stderr]).toEqual([1, expect.stringContaining("Invalid request")]);
  });
});

describe("session export-trace", () => {
  it("prints the URL with --url-only and downloads the trace otherwise", async () => {
    // The emulator answers `pending` once per session: ask once here so the CLI (real clock) does
    // not wait 5 s; the pending wait itself is tested on a fake clock in test/clients/rest-v025.
    await fetch(`${emulator.url}/api/v1/sessions/${sessionId}/trace_export`, {
      headers: { "x-api-key": KEY },
    });
    const url = await cli(["session", "export-trace", sessionId, "--url-only"]);
    expect(url.code).toBe(0);
    expect(url.stdout).toBe(`${emulator.url}/traces/${sessionId}.pftrace\n`);
    expect(url.stderr).toContain(`Exporting trace for session ${sessionId}`);
    const json = await cli(["-f", "json", "session", "export-trace", sessionId, "--url-only"]);
    expect(JSON.parse(json.stdout)).toEqual({ session_id: sessionId, url: url.stdout.trim() });
    const out = join(work, "traces", "t.pftrace");
    const saved = await cli(["session", "export-trace", sessionId, "--output", out]);
    expect(saved.code).toBe(0);
    expect(saved.stdout).toContain(`Saved to`);
    expect(existsSync(out)).toBe(true);
    expect((await cli(["session", "export-trace", "missing-session", "--url-only"])).code).toBe(4);
  });
});
