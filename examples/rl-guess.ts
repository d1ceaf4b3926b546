/**
 * Multi-turn RL: a guessing game. The env hides a digit; each turn the model guesses (its answer's
 * first character, a digit) and the env replies with the guess and `<` (the secret is smaller) or
 * `>` (larger). Reward 1 for finding it within four guesses, plus partial credit so that a random
 * policy learns the form first: 0.05 per guess, 0.05 more when the guess stopped cleanly; an answer
 * that does not start with a digit ends the game. Each turn's prompt is the previous prompt, the
 * action and the reply, so a whole game becomes one datum: the guesses are action tokens, the
 * replies observation tokens.
 *
 *   npx tsx examples/rl-guess.ts
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { byteTokenizer, ModelInput, type ServiceClient } from "tinker-ts";
import { datasetFrom, type Env, type EnvGroupBuilder, type RLConfig, trainRL } from "tinker-ts/rl";
import { connect } from "./connect.js";
import { byteRenderer } from "./support/byte-renderer.js";

/** Guesses allowed per game. */
export const MAX_GUESSES = 4;

const tokenizer = byteTokenizer();

/** A game with a hidden digit `secret`. */
export function guessEnv(secret: number): Env {
  // "?" opens the game; the history grows by each action and reply, never rewritten.
  let history = byteRenderer.buildGenerationPrompt([{ role: "user", content: "?" }]).toInts();
  const stop = byteRenderer.getStopSequences();
  let guesses = 0;
  return {
    async initialObservation() {
      return { observation: ModelInput.fromInts(history), stop };
    },
    async step(action) {
      guesses++;
      const { message, termination } = byteRenderer.parseResponse(action);
      const text = typeof message.content === "string" ? message.content : "";
      const end = (reward: number, reason: string, won: number) => ({
        reward,
        episodeDone: true,
        nextObservation: ModelInput.fromInts([...history, ...action]),
        nextStop: stop,
        metrics: { guesses, won, [`stop/${reason}`]: 1 },
      });
      if (!/^[0-9]/.test(text)) return end(0, "parse_error", 0);
      const g = Number(text[0]);
      const stopped = termination === "stop_sequence" && text.length === 1;
      const reward = stopped ? 0.1 : 0.05;
      if (g === secret) return end(reward + 1, "completed", 1);
      if (guesses >= MAX_GUESSES) return end(reward, "max_turns", 0);
      history = [...history, ...action, ...tokenizer.encode(`${g}${secret < g ? "<" : ">"}`)];
      return { reward, episodeDone: false, nextObservation: ModelInput.fromInts(history), nextStop: stop };
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
export async function trainGuess(
  service: ServiceClient,
  baseModel: string,
  options: GuessOptions = {},
): Promise<number[]> {
  const { steps = 30, groupSize = 4, seed = 2 } = options;
  // Every batch plays each secret once, so the policy has to work for all of them.
  const dataset = datasetFrom(steps, () =>
    Array.from({ length: 10 }, (_, secret) => gameGroup(secret, groupSize)),
  );
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
    const won = await trainGuess(conn.service, conn.baseModel, {
      steps: Number(process.env.EXAMPLE_STEPS ?? 30),
    });
    const head = won.slice(0, 3).reduce((a, b) => a + b, 0) / 3;
    const tail = won.slice(-3).reduce((a, b) => a + b, 0) / 3;
    console.log(`games won: ${head.toFixed(3)} → ${tail.toFixed(3)} (first and last 3 steps)`);
  } finally {
    await conn.close();
  }
}
