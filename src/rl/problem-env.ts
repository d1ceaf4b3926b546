/**
 * Single-turn question → answer environments with a verifiable reward (cookbook `rl/problem_env.py`):
 * reward = `formatCoef · (wellFormed − 1) + correct`, so a correct, well-formed answer scores 1, a
 * malformed one loses `formatCoef`.
 */
import type { Message, Renderer } from "../renderers/types.js";
import { ModelInput } from "../types/model-input.js";
import type { Env, EnvGroupBuilder, RLDataset, StepResult } from "./types.js";

/** What a problem env needs. */
export interface ProblemEnvOptions {
  readonly renderer: Renderer;
  readonly question: string;
  /** Whether the response text answers the question correctly. */
  readonly checkAnswer: (response: string) => boolean;
  /** Whether the response text has the expected form (default: not blank). */
  readonly checkFormat?: (response: string) => boolean;
  /** Default 0.1, as the cookbook. */
  readonly formatCoef?: number;
  /** Messages before the question (a system prompt, few-shot turns). */
  readonly convoPrefix?: readonly Message[];
  /** Only a stop-sequence ending counts as well formed (default true); otherwise EOS counts too. */
  readonly requireStopSequence?: boolean;
}

function textOf(m: Message): string {
  return typeof m.content === "string"
    ? m.content
    : m.content.map((p) => (p.type === "text" ? p.text : "")).join("");
}

/** A single-use env that asks `question` once and grades the answer. */
export function problemEnv(options: ProblemEnvOptions): Env {
  const { renderer, question, checkAnswer, formatCoef = 0.1, requireStopSequence = true } = options;
  const checkFormat = options.checkFormat ?? ((s: string) => s.trim() !== "");
  const convo: Message[] = [...(options.convoPrefix ?? []), { role: "user", content: question }];
  const stop = renderer.getStopSequences();
  return {
    async initialObservation() {
      return { observation: renderer.buildGenerationPrompt(convo), stop };
    },
    async step(action): Promise<StepResult> {
      const { message, termination } = renderer.parseResponse(action);
      const content = textOf(message);
      const clean = requireStopSequence ? termination === "stop_sequence" : termination !== "malformed";
      const format = clean && checkFormat(content) ? 1 : 0;
      const correct = checkAnswer(content) ? 1 : 0;
      return {
        reward: formatCoef * (format - 1) + correct,
        episodeDone: true,
        nextObservation: ModelInput.empty(),
        nextStop: stop,
        metrics: { format, correct },
      };
    },
  };
}

/** A group of `numEnvs` copies of one problem, tagged `datasetName` (cookbook `ProblemGroupBuilder`). */
export function problemGroupBuilder(
  makeEnv: () => Env,
  numEnvs: number,
  datasetName = "problems",
): EnvGroupBuilder {
  return {
    async makeEnvs() {
      return Array.from({ length: numEnvs }, makeEnv);
    },
    loggingTags: () => [datasetName],
  };
}

/** A dataset whose batch `i` is `makeBatch(i)`, for `length` batches. */
export function datasetFrom(
  length: number,
  makeBatch: (index: number) => readonly EnvGroupBuilder[],
): RLDataset {
  return {
    length,
    getBatch(index) {
      if (!(index >= 0 && index < length)) throw new RangeError(`batch ${index} is outside 0…${length - 1}`);
      return makeBatch(index);
    },
  };
}
