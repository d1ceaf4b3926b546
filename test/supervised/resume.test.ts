/**
 * Kill mid-run and resume: a run aborted (or killed with SIGKILL) after step k and restarted on the
 * same log directory continues after its last checkpoint, each step logged once, and trains exactly
 * as an uninterrupted run does (same losses, step for step); the emulator's request log shows the
 * resumed model loading that checkpoint and running only the remaining steps.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APIUserAbortError } from "../../src/errors/index.js";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import {
  type MetricsRecord,
  readCheckpoints,
  readMetrics,
  type TrainConfig,
  train,
} from "../../src/supervised/index.js";
import { baseConfig, conversationsFile, KEY, modelIds, tempDir, trainingRequests } from "./helpers.js";

let emu: Emulator;
const dir = tempDir("sft-resume-");
const dataFile = conversationsFile(dir);
let reference: MetricsRecord[];

const config = (logDir: string, extra: Partial<TrainConfig> = {}): TrainConfig => ({
  ...baseConfig(emu, dataFile, logDir),
  saveEvery: 3,
  evalEvery: 4,
  ...extra,
});

beforeAll(async () => {
  emu = await startEmulator({ apiKey: KEY });
  await train(config(join(dir, "reference")));
  reference = readMetrics(join(dir, "reference"));
});
afterAll(async () => {
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Aborts the run from its `onStep` hook once step `k` is logged; returns what the run threw. */
async function abortAfter(logDir: string, k: number): Promise<unknown> {
  const ctl = new AbortController();
  return train(
    config(logDir, {
      signal: ctl.signal,
      onStep: (m) => {
        if (m.step === k) ctl.abort();
      },
    }),
  ).then(
    () => new Error("the run was not aborted"),
    (e: unknown) => e,
  );
}

/** The resumed run must end with the reference's metrics: every step once, the same numbers. */
function expectSameAsReference(logDir: string): void {
  const got = readMetrics(logDir);
  expect(got.map((m) => m.step)).toEqual(reference.map((m) => m.step));
  got.forEach((m, i) => {
    const ref = reference[i] as MetricsRecord;
    expect(Object.keys(m).sort()).toEqual(Object.keys(ref).sort());
    for (const key of Object.keys(ref))
      expect(m[key], `step ${m.step} ${key}`).toBeCloseTo(ref[key] as number, 12);
  });
}

/** The resumed model's training requests: load the checkpoint, then only the steps after it. */
function expectResumedModel(modelId: string, statePath: string, from: number): void {
  const reqs = trainingRequests(emu, modelId);
  // The cookbook resumes with the optimizer state (Adam moments), as `..._with_optimizer` does.
  expect(reqs[0]).toMatchObject({ path: "load_weights", body: { path: statePath, optimizer: true } });
  expect(reqs.filter((r) => r.path === "forward_backward")).toHaveLength(10 - from);
  expect(reqs.filter((r) => r.path === "optim_step")).toHaveLength(10 - from);
}

/** In the interrupted model, the checkpoint was saved after exactly `steps` optimizer steps. */
function expectCheckpointAfter(modelId: string, name: string, steps: number): void {
  const reqs = trainingRequests(emu, modelId);
  const at = reqs.findIndex((r) => r.path === "save_weights" && r.body.path === name);
  expect(at).toBeGreaterThan(0);
  expect(reqs.slice(0, at).filter((r) => r.path === "optim_step")).toHaveLength(steps);
}

describe("resume", () => {
  it("the reference run has 10 steps, 3 checkpoints and a final one", () => {
    expect(reference.filter((m) => "train_mean_nll" in m).map((m) => m.step)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
    ]);
    expect(readCheckpoints(join(dir, "reference")).map((c) => c.name)).toEqual([
      "000003",
      "000006",
      "000009",
      "final",
    ]);
  });

  it("aborted right after a checkpointed step k, continues at k+1", async () => {
    const logDir = join(dir, "at-checkpoint");
    const before = modelIds(emu).length;
    const err = await abortAfter(logDir, 5);
    expect(err).toBeInstanceOf(APIUserAbortError);
    const last = readCheckpoints(logDir).at(-1);
    expect(last).toMatchObject({ name: "000006", step: 6, epoch: 1, batch: 1 });
    expect(readMetrics(logDir).at(-1)?.step).toBe(5);

    const r = await train(config(logDir));
    expect(r.resumedFrom?.step).toBe(6);
    expect(r.steps).toBe(10);
    expectSameAsReference(logDir);
    const [first, second] = modelIds(emu).slice(before);
    expectCheckpointAfter(first as string, "000006", 6);
    expectResumedModel(second as string, last?.state_path as string, 6);
    expect(emu.log.seqViolations).toEqual([]);
  });

  it("aborted between checkpoints, redoes the steps after the last one and logs each step once", async () => {
    const logDir = join(dir, "between");
    const before = modelIds(emu).length;
    expect(await abortAfter(logDir, 7)).toBeInstanceOf(APIUserAbortError);
    expect(
      readMetrics(logDir)
        .filter((m) => "train_mean_nll" in m)
        .map((m) => m.step),
    ).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    const last = readCheckpoints(logDir).at(-1);
    expect(last?.step).toBe(6);
    // A writer killed mid-line leaves a partial record behind; it must not stop the resume.
    appendFileSync(join(logDir, "metrics.jsonl"), '{"step": 8, "train_mean');
    appendFileSync(join(logDir, "checkpoints.jsonl"), '{"name": "000009", "sta');

    const r = await train(config(logDir));
    expect(r.resumedFrom?.step).toBe(6);
    expectSameAsReference(logDir);
    expect(readCheckpoints(logDir).map((c) => c.name)).toEqual(["000003", "000006", "000009", "final"]);
    const [, second] = modelIds(emu).slice(before);
    expectResumedModel(second as string, last?.state_path as string, 6);
  });

  it("killed with SIGKILL mid-run, resumes from the last checkpoint", async () => {
    const logDir = join(dir, "killed");
    const root = new URL("../../", import.meta.url).pathname;
    let child: ChildProcess | undefined;
    try {
      child = spawn(process.execPath, ["--import", "tsx", "test/supervised/train-child.ts"], {
        cwd: root,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          EMU_URL: emu.url,
          LOG_DIR: logDir,
          DATA_FILE: dataFile,
        },
        stdio: "ignore",
      });
      const exited = new Promise<number | null>((resolve) => child?.on("exit", (code) => resolve(code)));
      // Kill once a checkpoint and a step after it are on disk (bounded wait: 30 s).
      const stepsLogged = () =>
        existsSync(join(logDir, "metrics.jsonl"))
          ? readFileSync(join(logDir, "metrics.jsonl"), "utf8").split("\n").filter(Boolean).length
          : 0;
      for (let i = 0; i < 600 && stepsLogged() < 5; i++) await sleep(50);
      expect(stepsLogged()).toBeGreaterThanOrEqual(5);
      child.kill("SIGKILL");
      await exited;
    } finally {
      if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
    const last = readCheckpoints(logDir).at(-1);
    expect(last?.final).toBeUndefined();
    expect(last?.step).toBeGreaterThanOrEqual(3);

    const r = await train(config(logDir));
    expect(r.resumedFrom?.step).toBe(last?.step);
    expectSameAsReference(logDir);
  }, 60_000); // a child process with tsx starts slowly on a busy machine
});
