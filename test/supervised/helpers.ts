/**
 * Shared setup of the training-loop tests: a conversations file, an emulator, and readers of what
 * the emulator saw per model.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Emulator } from "../../src/emulator/index.js";
import type { TrainConfig } from "../../src/supervised/index.js";
import { roleColonRenderer } from "./role-colon-renderer.js";

export const KEY = "tml-sft-test";

/** Twelve short Q/A conversations, one per line. */
export function conversationsFile(dir: string): string {
  const qa = [
    ["What is 2+2?", "4."],
    ["Capital of France?", "Paris."],
    ["Color of the sky?", "Blue."],
    ["Opposite of hot?", "Cold."],
    ["What is 3+3?", "6."],
    ["Capital of Italy?", "Rome."],
    ["Color of grass?", "Green."],
    ["Opposite of up?", "Down."],
    ["What is 1+1?", "2."],
    ["Capital of Spain?", "Madrid."],
    ["Color of snow?", "White."],
    ["Opposite of big?", "Small."],
  ];
  const p = join(dir, "conversations.jsonl");
  writeFileSync(
    p,
    qa
      .map(([q, a]) =>
        JSON.stringify({
          messages: [
            { role: "user", content: q },
            { role: "assistant", content: a },
          ],
        }),
      )
      .join("\n"),
  );
  return p;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The config every loop test starts from: 10 training rows in batches of 2, 2 held out. */
export function baseConfig(emu: Emulator, dataFile: string, logDir: string): TrainConfig {
  return {
    modelName: "tinker-ts/tiny-lm",
    logDir,
    dataset: { filePath: dataFile, testSize: 2 },
    renderer: roleColonRenderer,
    batchSize: 2,
    service: { baseUrl: emu.url, apiKey: KEY, telemetry: false },
    learningRate: 2e-2,
    loraRank: 4,
    loraSeed: 1,
    numEpochs: 2,
    log: false,
  };
}

interface Body {
  model_id?: string;
  seq_id?: number;
  path?: string;
  forward_backward_input?: { data: unknown[] };
}

/** The training requests the emulator accepted for one model, in seq-id order. */
export function trainingRequests(emu: Emulator, modelId: string): Array<{ path: string; body: Body }> {
  return emu.log.entries
    .filter(
      (e) =>
        e.status === 200 &&
        (e.body as Body | null)?.model_id === modelId &&
        typeof (e.body as Body).seq_id === "number",
    )
    .map((e) => ({ path: e.path.replace("/api/v1/", ""), body: e.body as Body }))
    .sort((a, b) => (a.body.seq_id as number) - (b.body.seq_id as number));
}

/** Model ids in creation order. */
export function modelIds(emu: Emulator): string[] {
  const ids: string[] = [];
  for (const e of emu.log.entries) {
    const id = (e.body as Body | null)?.model_id;
    if (typeof id === "string" && !ids.includes(id)) ids.push(id);
  }
  return ids;
}
