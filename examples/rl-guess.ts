/**
 * Multi-turn RL: a guessing game. The env hides a digit; each turn the model guesses one digit and
 * stops, and the env answers with the guess and `<` (the secret is smaller), `>` (larger) or `=`.
 * Reward 1 for finding it within four guesses, plus partial credit so a random policy learns the
 * form first: 0.1 per well-formed guess, 0.05 for a digit that did not stop (which, like anything
 * that is not a digit, ends the game). Each turn's prompt extends the previous one, so a whole game becomes
 * one datum with the model's guesses as action tokens and the env's replies as observation tokens.
 *
 *   npx tsx examples/rl-guess.ts
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { ServiceClient } from "tinker-ts";
import type { Message } from "../src/renderers/types.js";
import { datasetFrom, type Env, type EnvGroupBuilder, type RLConfig, trainRL } from "tinker-ts/rl";
import { connect } from "./connect.js";
import { byteRenderer } from "./support/byte-renderer.js";

/** Guesses allowed per game. */
export const MAX_GUESSES = 4;

/** A game with a hidden digit `secret`. */
export function guessEnv(secret: number): Env {
  // The conversation so far: "?" opens the game; each turn adds the guess and the env's reply.
  const convo: Message[] = [{ role: "user", content: "?" }];
  const stop = byteRenderer.getStopSequences();
  let guesses = 0;
  return {
    async initialObservation() {
      return { observation: byteRenderer.buildGenerationPrompt(convo), stop };
    },
    async step(action) {
      guesses++;
      const { message, termination } = byteRenderer.parseResponse(action);
      const text = typeof message.content === "string" ? message.content : "";
      const end = (reward: number, reason: string, metrics: Record<string, number> = {}) => ({
        reward,
        episodeDone: true,
        nextObservation: byteRenderer.buildGenerationPrompt(convo),
        nextStop: stop,
        metrics: { guesses, [`stop/${reason}`]: 1, ...metrics },
      });
      if (!/^[0-9]/.test(text)) return end(0, "parse_error", { won: 0 });
      if (termination !== "stop_sequence" || text.length !== 1) return end(0.05, "parse_error", { won: 0 });
      const g = Number(text);
      convo.push(message);
      if (g === secret) return end(1.1, "completed", { won: 1 });
      convo.push({ role: "user", content: `${g}${secret < g ? "<" : ">"}` });
      if (guesses >= MAX_GUESSES) return end(0.1, "max_turns", { won: 0 });
      return {
        reward: 0.1,
        episodeDone: false,
        nextObservation: byteRenderer.buildGenerationPrompt(convo),
        nextStop: stop,
      };
    },
  };
}

function gameGroup(secret: number, size: number): EnvGroupBuilder {
  return {
    async makeEnvs() {
      return Array.from({ length: size }, () => guessEnv(secret));
    },
    loggingTags: () => ["guess"],
  };
}

/** Options of {@link trainGuess}. */
export interface GuessOptions {
  readonly steps?: number;
  readonly groupSize?: number;
  readonly logPath?: string;
  readonly seed?: number;
  readonly progress?: RLConfig["progress"];
}

/** Trains the guessing game; resolves to the fraction of games won at each step. */
export async function trainGuess(service: ServiceClient, baseModel: string, options: GuessOptions = {}): Promise<number[]> {
  const { steps = 30, groupSize = 4, seed = 2 } = options;
  // Every batch plays each secret once, so the policy has to work for all of them.
  const dataset = datasetFrom(steps, () => Array.from({ length: 10 }, (_, secret) => gameGroup(secret, groupSize)));
  const won: number[] = [];
  await trainRL({
    service,
    baseModel,
    loraRank: 8,
    loraSeed: seed,
    dataset,
    learningRate: 2e-2,
    maxTokens: 2,
    logPath: options.logPath ?? mkdtempSync(join(tmpdir(), "rl-guess-")),
    saveEvery: 0,
    seed,
    progress: options.progress,
    onStep: (_step, m) => won.push(m["env/all/won"] ?? 0),
  });
  return won;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const conn = await connect();
  try {
    const won = await trainGuess(conn.service, conn.baseModel, { steps: Number(process.env.EXAMPLE_STEPS ?? 30) });
    const head = won.slice(0, 3).reduce((a, b) => a + b, 0) / 3;
    const tail = won.slice(-3).reduce((a, b) => a + b, 0) / 3;
    console.log(`games won: ${head.toFixed(3)} → ${tail.toFixed(3)} (first and last 3 steps)`);
  } finally {
    await conn.close();
  }
}
