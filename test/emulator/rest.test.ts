/**
 * REST endpoints: training runs, checkpoint lists with pagination, publish, archive download, delete.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { list } from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { call, goldenBody, run, sessionAndModel, shape } from "./helpers.js";

describe("emulator REST endpoints", () => {
  let emu: Emulator;
  let dataDir: string;
  let runA: string;
  let runB: string;
  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), "emu-rest-"));
    emu = await startEmulator({ pollHoldMs: 50, dataDir });
    runA = (await sessionAndModel(emu)).modelId;
    runB = (await sessionAndModel(emu)).modelId;
    await run(emu, "/api/v1/save_weights", { model_id: runA, path: "w1", seq_id: 1 });
    await run(emu, "/api/v1/save_weights_for_sampler", { model_id: runA, path: "s1", seq_id: 2 });
    await run(emu, "/api/v1/save_weights", { model_id: runB, path: "w2", seq_id: 1 });
  });
  afterAll(async () => {
    await emu.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it("lists training runs with a cursor, paginated", async () => {
    const all = await call(emu, "GET", "/api/v1/training_runs?limit=20&offset=0");
    const golden = goldenBody("/api/v1/training_runs", "GET");
    expect(Object.keys(all.body).sort()).toEqual(Object.keys(golden).sort());
    // Nullable fields (last checkpoints, user_metadata) differ by content, so compare keys per run.
    expect(Object.keys(all.body.training_runs[0]).sort()).toEqual(
      Object.keys(golden.training_runs[0]).sort(),
    );
    expect(shape(all.body.training_runs[0].last_checkpoint)).toEqual(
      shape(golden.training_runs[0].last_checkpoint),
    );
    expect(all.body.cursor).toEqual({ offset: 0, limit: 20, total_count: 2 });
    const second = await call(emu, "GET", "/api/v1/training_runs?limit=1&offset=1");
    expect(second.body.training_runs.map((r: { training_run_id: string }) => r.training_run_id)).toEqual([
      runB,
    ]);
  });

  it("gets one training run, with its last checkpoints", async () => {
    const r = await call(emu, "GET", `/api/v1/training_runs/${runA}`);
    const golden = goldenBody("/api/v1/training_runs/run-1", "GET");
    expect(Object.keys(r.body).sort()).toEqual(Object.keys(golden).sort());
    expect(r.body.last_checkpoint.tinker_path).toBe(`tinker://${runA}/weights/w1`);
    expect(r.body.last_sampler_checkpoint.checkpoint_type).toBe("sampler");
    const missing = await call(emu, "GET", "/api/v1/training_runs/missing-run");
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ detail: "Training run missing-run not found" });
  });

  it("lists a run's checkpoints and the user's checkpoints", async () => {
    const c = await call(emu, "GET", `/api/v1/training_runs/${runA}/checkpoints`);
    expect(shape(c.body)).toEqual(shape(goldenBody("/api/v1/training_runs/run-1/checkpoints", "GET")));
    expect(c.body.checkpoints.map((x: { checkpoint_id: string }) => x.checkpoint_id)).toEqual([
      "weights/w1",
      "sampler_weights/s1",
    ]);
    const page = await call(emu, "GET", "/api/v1/checkpoints?limit=1&offset=1");
    expect(page.body.cursor).toEqual({ offset: 1, limit: 1, total_count: 3 });
    expect(page.body.checkpoints[0].checkpoint_id).toBe("sampler_weights/s1");
    expect(shape(page.body)).toEqual(shape(goldenBody("/api/v1/checkpoints", "GET")));
  });

  it("publishes and unpublishes; a repeat answers 409", async () => {
    const path = `/api/v1/training_runs/${runA}/checkpoints/weights/w1/publish`;
    expect((await call(emu, "POST", path)).status).toBe(204);
    expect(
      (await call(emu, "GET", `/api/v1/training_runs/${runA}/checkpoints`)).body.checkpoints[0].public,
    ).toBe(true);
    expect((await call(emu, "POST", path)).status).toBe(409);
    expect((await call(emu, "DELETE", path)).status).toBe(204);
    expect((await call(emu, "DELETE", path)).status).toBe(409);
  });

  it("archive answers 302 to a real tar of the checkpoint", async () => {
    const r = await call(
      emu,
      "GET",
      `/api/v1/training_runs/${runA}/checkpoints/weights/w1/archive`,
      undefined,
      {
        "x-api-key": "tml-TESTKEY",
        accept: "application/gzip",
      },
    );
    expect(r.status).toBe(302);
    const location = r.headers.get("location") as string;
    expect(location.startsWith(emu.url)).toBe(true);
    // 0.4.1 parses Expires with "%a, %d %b %Y %H:%M:%S GMT".
    expect(r.headers.get("expires")).toMatch(
      /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/,
    );
    const dl = await fetch(location);
    expect(dl.status).toBe(200);
    const tarBytes = Buffer.from(await dl.arrayBuffer());
    const names: string[] = [];
    const parser = list({ onReadEntry: (e) => names.push(e.path) });
    parser.end(tarBytes);
    expect(names.sort()).toEqual(["checkpoint.json", "state.bin"]);
    const bad = await fetch(`${emu.url}/archives/nope.tar`);
    expect(bad.status).toBe(404);
  });

  it("deletes a checkpoint and its files", async () => {
    const dir = join(dataDir, "runs", runB, "weights", "w2");
    expect(existsSync(dir)).toBe(true);
    const del = await call(emu, "DELETE", `/api/v1/training_runs/${runB}/checkpoints/weights/w2`);
    expect(del.status).toBe(204);
    expect(existsSync(dir)).toBe(false);
    const again = await call(emu, "DELETE", `/api/v1/training_runs/${runB}/checkpoints/weights/w2`);
    expect(again.status).toBe(404);
    const load = await call(emu, "POST", "/api/v1/load_weights", {
      model_id: runB,
      path: `tinker://${runB}/weights/w2`,
      seq_id: 2,
    });
    expect(load.status).toBe(200);
  });
});
