/**
 * The supervised loop against the in-process emulator: it trains from a JSONL file (losses fall),
 * logs a metrics line per step, records checkpoints, evaluates the held-out NLL with `forward`,
 * follows the LR schedule, pipelines its requests, and does nothing on a finished log directory.
 */
import { rmSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import {
  lrMultiplier,
  readCheckpoints,
  readMetrics,
  SupervisedError,
  train,
} from "../../src/supervised/index.js";
import { baseConfig, conversationsFile, KEY, modelIds, tempDir, trainingRequests } from "./helpers.js";

let emu: Emulator;
const dir = tempDir("sft-train-");
const dataFile = conversationsFile(dir);

beforeAll(async () => {
  emu = await startEmulator({ apiKey: KEY });
});
afterAll(async () => {
  await emu.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("train", () => {
  it("trains from a JSONL file: losses fall, metrics, checkpoints, evals, progress lines", async () => {
    const logDir = `${dir}/run`;
    const lines: string[] = [];
    const seen: number[] = [];
    const result = await train({
      ...baseConfig(emu, dataFile, logDir),
      evalEvery: 5,
      saveEvery: 4,
      log: (l) => lines.push(l),
      onStep: (m) => {
        seen.push(m.step);
      },
    });
    expect(result.steps).toBe(10);
    expect(result.resumedFrom).toBeNull();

    const metrics = readMetrics(logDir);
    const steps = metrics.filter((m) => "train_mean_nll" in m);
    expect(steps.map((m) => m.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const nll = steps.map((m) => m.train_mean_nll as number);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    // Each epoch sees the same 10 conversations: the second epoch's loss is well below the first's.
    expect(mean(nll.slice(5))).toBeLessThan(mean(nll.slice(0, 5)) * 0.8);

    // Held-out NLL before steps 0 and 5 and after the last; it falls too.
    const evals = metrics.filter((m) => "test/nll" in m).map((m) => [m.step, m["test/nll"] as number]);
    expect(evals.map(([s]) => s)).toEqual([0, 5, 10]);
    expect(evals[2]?.[1]).toBeLessThan(evals[0]?.[1] as number);
    expect(result.testNll).toBe(evals[2]?.[1]);

    // The linear schedule, step by step.
    for (const m of steps) expect(m.learning_rate).toBeCloseTo(2e-2 * lrMultiplier("linear", m.step, 10), 15);
    expect(steps[0]).toMatchObject({ epoch: 0, num_sequences: 2, progress: 0.1 });
    expect(steps[9]).toMatchObject({ epoch: 1, progress: 1 });
    // Mean reduction: each datum's weights sum to 1.
    expect(steps[0]?.num_loss_tokens).toBeCloseTo(2, 5);

    const cps = readCheckpoints(logDir);
    expect(cps.map((c) => [c.name, c.step, c.epoch, c.batch, c.final ?? false])).toEqual([
      ["000004", 4, 0, 4, false],
      ["000008", 8, 1, 3, false],
      ["final", 10, 2, 0, true],
    ]);
    for (const c of cps) {
      expect(c.state_path).toMatch(new RegExp(`^tinker://.+/weights/${c.name}$`));
      expect(c.sampler_path).toMatch(new RegExp(`^tinker://.+/sampler_weights/${c.name}$`));
    }
    expect(result.finalCheckpoint?.state_path).toBe(cps[2]?.state_path);

    expect(lines.filter((l) => l.startsWith("step "))).toHaveLength(10);
    expect(lines[0]).toMatch(/^step 1\/10 epoch 0 lr 2\.00e-2 train_nll \d+\.\d{4} test_nll \d+\.\d{4}$/);
    expect(lines[3]).toMatch(/saved 000004$/);
    expect(lines.at(-1)).toMatch(/^done: 10 steps, test_nll \d+\.\d{4}; final checkpoint tinker:\/\//);

    // What the emulator saw: per step one forward_backward then one optim_step, each checkpoint's
    // save right after the step it counts, evals (forward) before their step; in seq-id order.
    const [model] = modelIds(emu);
    const reqs = trainingRequests(emu, model as string).map((r) =>
      r.path === "save_weights" || r.path === "save_weights_for_sampler"
        ? `${r.path}:${r.body.path}`
        : r.path,
    );
    const step = ["forward_backward", "optim_step"];
    const save = (n: string) => [`save_weights:${n}`, `save_weights_for_sampler:${n}`];
    expect(reqs).toEqual([
      "forward",
      ...step,
      ...step,
      ...step,
      ...step,
      ...save("000004"),
      ...step,
      "forward",
      ...step,
      ...step,
      ...step,
      ...save("000008"),
      ...step,
      ...step,
      "forward",
      ...save("final"),
    ]);
    expect(emu.log.seqViolations).toEqual([]);

    // The wire: int64 targets, float32 weights, inputs one shorter than the rendered conversation.
    const fb = emu.log.byPath("/api/v1/forward_backward")[0]?.body as {
      forward_backward_input: {
        loss_fn: string;
        data: Array<{ loss_fn_inputs: Record<string, { dtype: string }> }>;
      };
    };
    expect(fb.forward_backward_input.loss_fn).toBe("cross_entropy");
    expect(fb.forward_backward_input.data[0]?.loss_fn_inputs.target_tokens?.dtype).toBe("int64");
    expect(fb.forward_backward_input.data[0]?.loss_fn_inputs.weights?.dtype).toBe("float32");

    // Run again on the finished directory: nothing is sent, nothing is written.
    emu.log.clear();
    const again = await train({ ...baseConfig(emu, dataFile, logDir), evalEvery: 5, saveEvery: 4 });
    expect(again).toMatchObject({ steps: 10, finalCheckpoint: null });
    expect(emu.log.entries).toEqual([]);
    expect(readMetrics(logDir)).toEqual(metrics);

    // More epochs than the finished run had: it goes on from the final checkpoint.
    const more = await train({
      ...baseConfig(emu, dataFile, logDir),
      numEpochs: 3,
      evalEvery: 5,
      saveEvery: 4,
    });
    expect(more).toMatchObject({ steps: 15, resumedFrom: { name: "final", step: 10 } });
    // The old final eval line (step 10) was the old run's; step 10 now carries its own eval.
    expect(readMetrics(logDir).map((m) => m.step)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
    ]);
    expect(readCheckpoints(logDir).map((c) => c.name)).toEqual([
      "000004",
      "000008",
      "final",
      "000012",
      "final",
    ]);
  });

  it("honours maxSteps and submitAhead 0, and refuses bad settings", async () => {
    const logDir = `${dir}/short`;
    emu.log.clear();
    const r = await train({
      ...baseConfig(emu, dataFile, logDir),
      maxSteps: 3,
      submitAhead: 0,
      evalEvery: 0,
      saveEvery: 0,
    });
    expect(r.steps).toBe(3);
    expect(readMetrics(logDir).map((m) => m.step)).toEqual([0, 1, 2, 3]);
    expect(readCheckpoints(logDir).map((c) => [c.name, c.step, c.epoch, c.batch])).toEqual([
      ["final", 3, 0, 3],
    ]);
    expect(emu.log.byPath("/api/v1/forward_backward")).toHaveLength(3);

    await expect(train({ ...baseConfig(emu, dataFile, `${dir}/bad`), batchSize: 0 })).rejects.toThrow(
      SupervisedError,
    );
    await expect(train({ ...baseConfig(emu, dataFile, `${dir}/bad`), renderer: undefined })).rejects.toThrow(
      /renderer/,
    );
    await expect(train({ ...baseConfig(emu, dataFile, `${dir}/bad`), batchSize: 50 })).rejects.toThrow(
      /no complete batch/,
    );
  });
});
