/**
 * The tinker-ts demo: a LoRA fine-tuning loop end to end. Starts the emulator in-process (or uses the
 * real service when TINKER_API_KEY is set), samples from the untrained model, trains on a small text
 * with pipelined forward_backward + optim_step, plots the loss and samples again.
 *
 *   npm run demo
 */
import { SingleBar } from "cli-progress";
import { type Datum, ModelInput, type SamplingClient, TensorData, type Tokenizer } from "tinker-ts";
import { connect } from "./connect.js";
import { asciiPlot } from "./plot.js";

const TEXT = `the cat sat on the mat. the dog sat on the log. the cat saw the dog.
the dog saw the cat. the cat and the dog sat on the mat by the log.
a bird sang on the log. the cat sat. the dog sat. the bird sang.
`;
const STEPS = Number(process.env.DEMO_STEPS ?? 40);
const SEQ_LEN = 64;
const BATCH = 8;
const PROMPT = "the cat ";

/** Training examples: windows of the text, each predicting its next token. */
function buildBatches(tokenizer: Tokenizer): Datum[][] {
  const tokens = tokenizer.encode(TEXT.repeat(4));
  const windows: number[][] = [];
  for (let start = 0; start + SEQ_LEN + 1 <= tokens.length; start += SEQ_LEN / 2)
    windows.push(tokens.slice(start, start + SEQ_LEN + 1));
  const data: Datum[] = windows.map((w) => ({
    model_input: ModelInput.fromInts(w.slice(0, -1)),
    loss_fn_inputs: {
      target_tokens: TensorData.fromArray(w.slice(1), "int64"),
      weights: TensorData.fromArray(new Array(SEQ_LEN).fill(1), "float32"),
    },
  }));
  const batches: Datum[][] = [];
  for (let i = 0; i < data.length; i += BATCH) batches.push(data.slice(i, i + BATCH));
  return batches;
}

async function showSamples(label: string, sampler: SamplingClient, tokenizer: Tokenizer): Promise<void> {
  const result = await sampler.sample(ModelInput.fromInts(tokenizer.encode(PROMPT)), 3, {
    max_tokens: 40,
    temperature: 0.7,
    seed: 1234,
    stop: ["\n"],
  });
  console.log(`\n${label}`);
  for (const seq of result.sequences)
    console.log(`  ${JSON.stringify(PROMPT + tokenizer.decode(seq.tokens, { skipSpecialTokens: true }))}`);
}

async function main(): Promise<void> {
  const started = Date.now();
  const conn = await connect();
  console.log(`tinker-ts demo — training ${conn.baseModel} on ${conn.where}`);
  try {
    const training = await conn.service.createLoraTrainingClient(conn.baseModel, { rank: 8, seed: 0 });
    const tokenizer = await training.getTokenizer();
    const batches = buildBatches(tokenizer);
    await showSamples("Before training:", await training.saveWeightsAndGetSamplingClient(), tokenizer);

    const losses: number[] = [];
    const tty = process.stdout.isTTY === true;
    const bar = tty ? new SingleBar({ format: "train [{bar}] {value}/{total} | loss {loss}" }) : null;
    bar?.start(STEPS, 0, { loss: "-" });
    for (let step = 0; step < STEPS; step++) {
      const batch = batches[step % batches.length] ?? [];
      // Submit both calls before awaiting either: tinker-ts keeps them in order on the wire.
      const fb = training.forwardBackward(batch, "cross_entropy");
      const opt = training.optimStep({ learning_rate: 1e-2 });
      const [out] = await Promise.all([fb, opt]);
      const tokens = batch.length * SEQ_LEN;
      const loss = (out.metrics["loss:sum"] ?? Number.NaN) / tokens;
      losses.push(loss);
      bar?.update(step + 1, { loss: loss.toFixed(4) });
      if (!tty && (step % 10 === 0 || step === STEPS - 1))
        console.log(`step ${String(step + 1).padStart(3)}/${STEPS}  loss ${loss.toFixed(4)}`);
    }
    bar?.stop();
    console.log(`\nLoss per token (first ${losses[0]?.toFixed(3)}, last ${losses.at(-1)?.toFixed(3)}):`);
    console.log(asciiPlot(losses));

    const saved = await training.saveWeightsForSampler("demo-final");
    if (!saved.path) throw new Error("save_weights_for_sampler returned no path");
    console.log(`\nSaved sampler weights: ${saved.path}`);
    await showSamples(
      "After training:",
      await conn.service.createSamplingClient({ modelPath: saved.path }),
      tokenizer,
    );
    console.log(`\nDone in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  } finally {
    await conn.close();
  }
}

await main();
