/**
 * The CLI in-process (runCli with captured streams) against the emulator: stdout, stderr and exit
 * codes of every command in both formats.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { ServiceClient } from "../../src/index.js";
import { ModelInput, TensorData } from "../../src/types/index.js";
import { type CliResult, runCliInProcess } from "./run-cli.js";

const KEY = "tml-CLI-SECRET-KEY-0123";

type Result = CliResult;

let emulator: Emulator;
let work: string;
let statePath: string;
let samplerPath: string;
let runId: string;

function cli(args: string[], env: Record<string, string | undefined> = {}, input?: string): Promise<Result> {
  return runCliInProcess(
    args,
    {
      HOME: work,
      TINKER_API_KEY: KEY,
      TINKER_BASE_URL: emulator.url,
      TINKER_TELEMETRY: "0",
      ...env,
    },
    { input },
  );
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "tinker-cli-"));
  emulator = await startEmulator({ apiKey: KEY });
  const service = new ServiceClient({ apiKey: KEY, baseUrl: emulator.url, telemetry: false });
  try {
    const training = await service.createLoraTrainingClient((await firstModel(service)) ?? "", { rank: 4 });
    const tokens = [10, 11, 12, 13, 14];
    await training.forwardBackward(
      [
        {
          model_input: ModelInput.fromInts(tokens.slice(0, -1)),
          loss_fn_inputs: { target_tokens: TensorData.fromArray(tokens.slice(1), "int64") },
        },
      ],
      "cross_entropy",
    );
    statePath = (await training.saveState("ckpt-a")).path;
    samplerPath = (await training.saveWeightsForSampler("sampler-a")).path ?? "";
    expect(samplerPath).toMatch(/^tinker:\/\//);
    runId = training.modelId;
  } finally {
    await service.close();
  }
});

async function firstModel(service: ServiceClient): Promise<string | undefined> {
  return (await service.getServerCapabilities()).supported_models[0]?.model_name ?? undefined;
}

afterAll(async () => {
  await emulator?.close();
  rmSync(work, { recursive: true, force: true });
});

function expectNoKey(r: Result): void {
  expect(r.stdout + r.stderr).not.toContain(KEY);
}

describe("tinker-ts CLI", () => {
  it("prints its version, and help without arguments", async () => {
    const v = await cli(["version"]);
    expect(v).toMatchObject({ code: 0, stderr: "" });
    expect(v.stdout).toMatch(/^tinker-ts \d+\.\d+\.\d+\n$/);
    const help = await cli([]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("checkpoint");
  });

  it("exits 2 on usage errors (unknown option, bad --format)", async () => {
    expect((await cli(["run", "list", "--bogus"])).code).toBe(2);
    const bad = await cli(["-f", "yaml", "run", "list"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("yaml");
  });

  it("lists runs as a table and as JSON", async () => {
    const table = await cli(["run", "list"]);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^1 training run\n/);
    expect(table.stdout).toContain(runId);
    // Not a terminal: no wrapping at all, so the run is one line that scripts can cut.
    const rows = table.stdout.split("\n").filter((l) => l.includes(runId));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toContain("tinker-ts/tiny-lm");
    const json = await cli(["-f", "json", "run", "list"]);
    const parsed = JSON.parse(json.stdout) as { runs: Array<{ training_run_id: string; lora_rank: number }> };
    expect(parsed.runs.map((r) => r.training_run_id)).toEqual([runId]);
    expect(parsed.runs[0]?.lora_rank).toBe(4);
    expectNoKey(table);
  });

  it("shows a run, and exits 4 with a one-line message for an unknown one", async () => {
    const info = await cli(["run", "info", runId]);
    expect(info.code).toBe(0);
    expect(info.stdout).toContain(`Training Run: ${runId}`);
    expect(info.stdout).toContain("Rank 4");
    const missing = await cli(["run", "info", "no-such-run"]);
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/^Error: Resource not found\nDetails: /);
    expect(missing.stderr).not.toContain("    at ");
    const json = await cli(["-f", "json", "run", "info", "no-such-run"]);
    expect(JSON.parse(json.stderr)).toMatchObject({ error: { message: "Resource not found", exit_code: 4 } });
  });

  it("prints a stack trace only with --debug", async () => {
    const r = await cli(["--debug", "run", "info", "no-such-run"]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("    at ");
  });

  it("lists checkpoints of a run and of all runs", async () => {
    const byRun = await cli(["checkpoint", "list", "--run-id", runId]);
    expect(byRun.code).toBe(0);
    expect(byRun.stdout).toMatch(new RegExp(`^2 checkpoints for run ${runId}\\n`));
    const all = await cli(["-f", "json", "checkpoint", "list", "--limit", "1"]);
    const parsed = JSON.parse(all.stdout) as { checkpoints: Array<{ tinker_path: string }>; run_id?: string };
    expect(parsed.checkpoints).toHaveLength(1);
    expect(parsed.run_id).toBeUndefined();
    const table = await cli(["checkpoint", "list", "--limit", "1"]);
    expect(table.stdout).toMatch(/^1 checkpoint \(1 more not shown, use --limit to see more\)\n/);
  });

  it("shows, publishes and unpublishes a checkpoint", async () => {
    const info = await cli(["-f", "json", "checkpoint", "info", samplerPath]);
    expect(info.code).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({ tinker_path: samplerPath, public: false });
    expect(await cli(["checkpoint", "publish", samplerPath])).toMatchObject({ code: 0, stdout: "" });
    expect(JSON.parse((await cli(["-f", "json", "checkpoint", "info", samplerPath])).stdout).public).toBe(
      true,
    );
    expect(await cli(["checkpoint", "unpublish", samplerPath])).toMatchObject({ code: 0, stdout: "" });
  });

  it("refuses a path that is not tinker:// with 0.4.1's message", async () => {
    const r = await cli(["checkpoint", "info", "weights/0001"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "Error: Invalid checkpoint path: weights/0001\nCheckpoint path must be in the format: tinker://run-id/weights/0001\n",
    );
    const notFound = await cli(["checkpoint", "info", `tinker://${runId}/weights/nope`]);
    expect(notFound.code).toBe(4);
    expect(notFound.stderr).toContain(`Checkpoint not found: tinker://${runId}/weights/nope`);
  });

  it("downloads and extracts a checkpoint archive, and refuses to overwrite without --force", async () => {
    const out = join(work, "download-1");
    const r = await cli(["-f", "json", "checkpoint", "download", samplerPath, "--output", out]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { files: string[]; size_bytes: number };
    expect(summary.files.length).toBeGreaterThan(0);
    expect(readdirSync(out).length).toBeGreaterThan(0);
    expect(readdirSync(work).filter((f) => f.includes("partial"))).toEqual([]);
    const again = await cli(["checkpoint", "download", samplerPath, "--output", out]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("--force");
    expect((await cli(["checkpoint", "download", samplerPath, "--output", out, "--force"])).code).toBe(0);
  });

  it("asks before deleting; 'n' cancels, -y deletes", async () => {
    const cancelled = await cli(["checkpoint", "delete", statePath], {}, "n\n");
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toContain("WARNING: This action is permanent and cannot be undone.");
    expect(cancelled.stdout).toContain("Deletion cancelled.");
    expect((await cli(["checkpoint", "info", statePath])).code).toBe(0);
    expect(await cli(["checkpoint", "delete", statePath, "-y"])).toMatchObject({
      code: 0,
      stdout: "Deleted 1 checkpoint(s)\n",
    });
    expect((await cli(["checkpoint", "info", statePath])).code).toBe(4);
  });

  it("reports a missing API key (exit 3) and a wrong one (exit 3) without printing any key", async () => {
    const noKey = await cli(["run", "list"], { TINKER_API_KEY: undefined });
    expect(noKey.code).toBe(3);
    expect(noKey.stderr).toContain("TINKER_API_KEY");
    const wrong = await cli(["run", "list"], { TINKER_API_KEY: "tml-WRONG-KEY-999" });
    expect(wrong.code).toBe(3);
    expect(wrong.stderr).not.toContain("tml-WRONG-KEY-999");
  });
});
