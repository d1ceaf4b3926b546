/**
 * The RL examples learn on the in-process emulator: their rewards rise by a stated factor (fixed seeds).
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { trainArithmetic } from "../../examples/rl-arithmetic.js";
import { trainGuess } from "../../examples/rl-guess.js";
import { useEmulatorService } from "../support/emulator-service.js";

const MODEL = "tinker-ts/tiny-lm";
const live = useEmulatorService();

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const tmp = (name: string) => mkdtempSync(join(tmpdir(), `${name}-`));

describe("RL examples learn on the emulator", () => {
  it("digit sum: mean reward of the last 3 of 10 steps is at least 5× that of the first 3", async () => {
    const rewards = await trainArithmetic(live.service, MODEL, {
      steps: 10,
      progress: false,
      logPath: tmp("arith"),
    });
    expect(rewards).toHaveLength(10);
    const head = mean(rewards.slice(0, 3));
    const tail = mean(rewards.slice(-3));
    expect(tail, rewards.join(" ")).toBeGreaterThanOrEqual(5 * head);
    expect(tail).toBeGreaterThan(0.15);
  }, 60_000);

  it("guessing game (multi-turn): reward of the last 3 of 10 steps is at least 5× the first 3", async () => {
    const dir = tmp("guess");
    await trainGuess(live.service, MODEL, { steps: 10, progress: false, logPath: dir });
    const lines = readFileSync(join(dir, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    const rewards = lines.map((l) => l["env/all/reward/total"] as number);
    expect(mean(rewards.slice(-3)), rewards.join(" ")).toBeGreaterThanOrEqual(5 * mean(rewards.slice(0, 3)));
    // Games last more than one turn once guesses are well formed.
    expect(lines.at(-1)["env/all/turns_per_episode"]).toBeGreaterThan(1);
  }, 60_000);
});
