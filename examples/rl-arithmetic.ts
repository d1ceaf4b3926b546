/**
 * RL with a verifiable reward: the model is shown two digits and must answer their sum, then stop.
 * The reward has partial credit, so a random policy gets some signal: 0.25 for answering with a digit,
 * 0.25 for then stopping, 0.5 for the right digit. Groups of envs share a problem, so advantages are
 * centred per problem; training runs on the in-process emulator in seconds.
 *
 *   npx tsx examples/rl-arithmetic.ts
 *
 * (The tiny model sees only the last two tokens, so the question is just the two digits, "34".)
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { ModelInput, type ServiceClient } from "tinker-ts";
import { datasetFrom, type Env, problemGroupBuilder, type RLConfig, trainRL } from "tinker-ts/rl";
import { connect } from "./connect.js";
import { byteRenderer } from "./support/byte-renderer.js";

/** One question: the digits `a` and `b`; the answer is the digit of their sum. */
export function digitSumEnv(a: number, b: number): Env {
  const stop = byteRenderer.getStopSequences();
  return {
    async initialObservation() {
      const observation = byteRenderer.buildGenerationPrompt([{ role: "user", content: `${a}${b}` }]);
      return { observation, stop };
    },
    async step(action) {
      const { message, termination } = byteRenderer.parseResponse(action);
      const text = typeof message.content === "string" ? message.content : "";
      const digit = /^[0-9]/.test(text) ? 1 : 0;
      const stopped = termination === "stop_sequence" ? 1 : 0;
      const correct = text.trim() === String(a + b) ? 1 : 0;
      return {
        reward: 0.25 * digit + 0.25 * stopped + 0.5 * correct,
        episodeDone: true,
        nextObservation: ModelInput.empty(),
        nextStop: stop,
        metrics: { digit, stopped, correct },
      };
    },
  };
}

/** Options of {@link trainArithmetic}. */
export interface ArithmeticOptions {
  readonly steps?: number;
  readonly groupsPerBatch?: number;
  readonly groupSize?: number;
  readonly logPath?: string;
  readonly seed?: number;
  readonly progress?: RLConfig["progress"];
  readonly async?: RLConfig["async"];
  readonly signal?: AbortSignal;
}

/** The problem of group `g` in batch `b`: two digits 0–4, chosen by a fixed hash. */
export function problemAt(b: number, g: number): { a: number; b: number } {
  const h = Math.imul(b * 131 + g * 7 + 1, 2654435761) >>> 0;
  return { a: h % 5, b: (h >>> 8) % 5 };
}

/** Trains the digit-sum task; resolves to the mean reward of each step. */
export async function trainArithmetic(
  service: ServiceClient,
  baseModel: string,
  options: ArithmeticOptions = {},
): Promise<number[]> {
  const { steps = 30, groupsPerBatch = 8, groupSize = 8, seed = 1 } = options;
  const dataset = datasetFrom(steps, (batch) =>
    Array.from({ length: groupsPerBatch }, (_, g) => {
      const p = problemAt(batch, g);
      return problemGroupBuilder(() => digitSumEnv(p.a, p.b), groupSize, "digit_sum");
    }),
  );
  const rewards: number[] = [];
  await trainRL({
    service,
    baseModel,
    loraRank: 8,
    loraSeed: seed,
    dataset,
    learningRate: 2e-2,
    maxTokens: 3,
    logPath: options.logPath ?? mkdtempSync(join(tmpdir(), "rl-arithmetic-")),
    saveEvery: 0,
    seed,
    async: options.async,
    signal: options.signal,
    progress: options.progress,
    onStep: (_step, m) => rewards.push(m["env/all/reward/total"] ?? 0),
  });
  return rewards;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const conn = await connect();
  try {
    const steps = Number(process.env.EXAMPLE_STEPS ?? 30);
    const rewards = await trainArithmetic(conn.service, conn.baseModel, { steps });
    const head = rewards.slice(0, 3).reduce((a, b) => a + b, 0) / 3;
    const tail = rewards.slice(-3).reduce((a, b) => a + b, 0) / 3;
    console.log(`mean reward: ${head.toFixed(3)} → ${tail.toFixed(3)} (first and last 3 steps)`);
  } finally {
    await conn.close();
  }
}
