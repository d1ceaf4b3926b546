/**
 * DPO on pairwise preferences: after the digit k, the preferred answer is the next digit and the
 * rejected one the previous digit. The reference is the base model; the preference margin
 * β·(Δ_chosen − Δ_rejected) starts at 0 (policy = reference) and grows as training separates them.
 *
 *   npx tsx examples/dpo.ts
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import type { ServiceClient } from "tinker-ts";
import { ComparisonDataset, type DpoConfig, type LabeledComparison, trainDpo } from "tinker-ts/preference";
import { connect } from "./connect.js";
import { byteRenderer } from "./support/byte-renderer.js";

/** Comparisons for the digits 0–9, each twice (labels A and B, so position carries no signal). */
export function digitComparisons(): LabeledComparison[] {
  return Array.from({ length: 20 }, (_, i) => {
    const k = i % 10;
    const next = { role: "assistant" as const, content: String((k + 1) % 10) };
    const prev = { role: "assistant" as const, content: String((k + 9) % 10) };
    const chosenFirst = i < 10;
    return {
      comparison: {
        promptConversation: [{ role: "user", content: `${k}` }],
        completionA: [chosenFirst ? next : prev],
        completionB: [chosenFirst ? prev : next],
      },
      label: chosenFirst ? "A" : "B",
    };
  });
}

/** Options of {@link trainDigitDpo}. */
export interface DigitDpoOptions {
  readonly epochs?: number;
  readonly logPath?: string;
  readonly progress?: DpoConfig["progress"];
}

/** Trains DPO on the digit preferences; resolves to the mean margin of each step. */
export async function trainDigitDpo(
  service: ServiceClient,
  baseModel: string,
  options: DigitDpoOptions = {},
): Promise<number[]> {
  const margins: number[] = [];
  await trainDpo({
    service,
    baseModel,
    loraRank: 8,
    loraSeed: 4,
    dataset: new ComparisonDataset(digitComparisons(), byteRenderer, 5),
    learningRate: 2e-2,
    lrSchedule: "constant",
    numEpochs: options.epochs ?? 4,
    beta: 0.1,
    logPath: options.logPath ?? mkdtempSync(join(tmpdir(), "dpo-")),
    saveEvery: 0,
    progress: options.progress,
    onStep: (_step, m) => margins.push(m.margin ?? 0),
  });
  return margins;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const conn = await connect();
  try {
    const margins = await trainDigitDpo(conn.service, conn.baseModel, {
      epochs: Number(process.env.EXAMPLE_EPOCHS ?? 4),
    });
    console.log(
      `preference margin: ${margins[0]?.toFixed(3)} → ${margins.at(-1)?.toFixed(3)} (first and last step)`,
    );
  } finally {
    await conn.close();
  }
}
