/**
 * Supervised fine-tuning: train on prompt/completion pairs where only the completion tokens carry
 * loss weight, evaluate with `forward`, and save a checkpoint.
 *
 *   npx tsx examples/sft.ts
 */
import { type Datum, ModelInput, TensorData } from "tinker-ts";
import { connect } from "./connect.js";

const PAIRS: Array<[string, string]> = [
  ["Q: 2+2? A:", " 4"],
  ["Q: 3+3? A:", " 6"],
  ["Q: 1+4? A:", " 5"],
  ["Q: 2+5? A:", " 7"],
];
const STEPS = Number(process.env.EXAMPLE_STEPS ?? 20);

const conn = await connect();
try {
  const training = await conn.service.createLoraTrainingClient(conn.baseModel, { rank: 4, seed: 1 });
  const tokenizer = await training.getTokenizer();
  // Next-token examples: weight 0 on the prompt, 1 on the completion.
  const data: Datum[] = PAIRS.map(([prompt, completion]) => {
    const p = tokenizer.encode(prompt);
    const c = tokenizer.encode(completion);
    const all = [...p, ...c];
    const weights = all.slice(1).map((_, i) => (i + 1 >= p.length ? 1 : 0));
    return {
      model_input: ModelInput.fromInts(all.slice(0, -1)),
      loss_fn_inputs: {
        target_tokens: TensorData.fromArray(all.slice(1), "int64"),
        weights: TensorData.fromArray(weights, "float32"),
      },
    };
  });
  const completionTokens = data.reduce(
    (n, d) => n + (d.loss_fn_inputs.weights?.toArray().reduce((a, b) => a + b, 0) ?? 0),
    0,
  );
  const evaluate = async () =>
    (await training.forward(data, "cross_entropy")).metrics["loss:sum"] ?? Number.NaN;
  const before = (await evaluate()) / completionTokens;
  for (let step = 0; step < STEPS; step++) {
    // Both are sent at once (pipelined) and both are awaited: a failed forwardBackward must fail the step.
    const fwdBwd = training.forwardBackward(data, "cross_entropy");
    const optim = training.optimStep({ learning_rate: 2e-2 });
    await Promise.all([fwdBwd, optim]);
  }
  const after = (await evaluate()) / completionTokens;
  console.log(`completion loss per token: ${before.toFixed(3)} → ${after.toFixed(3)}`);
  const saved = await training.saveState("sft-final");
  console.log(`saved training state: ${saved.path}`);
} finally {
  await conn.close();
}
