/**
 * A tiny reinforcement-learning loop: sample completions, score them with a toy reward (the share
 * of lowercase letters in them), and train with the importance_sampling loss (or PPO with RL_LOSS=ppo)
 * on group-centred advantages. Each round uses a sampler made from the latest weights.
 *
 *   npx tsx examples/rl.ts
 */
import { type Datum, ModelInput, TensorData, type Tokenizer } from "tinker-ts";
import { connect } from "./connect.js";

const ROUNDS = Number(process.env.EXAMPLE_STEPS ?? 20);
const GROUP = 16;
const LOSS = process.env.RL_LOSS === "ppo" ? "ppo" : "importance_sampling";

const reward = (tokens: readonly number[], tokenizer: Tokenizer) => {
  // Special tokens decode to markup such as "<|eos|>"; counting their letters would reward them.
  const text = tokenizer.decode(tokens, { skipSpecialTokens: true });
  return [...text].filter((ch) => ch >= "a" && ch <= "z").length / Math.max(1, tokens.length);
};

const conn = await connect();
try {
  const training = await conn.service.createLoraTrainingClient(conn.baseModel, { rank: 8, seed: 3 });
  const tokenizer = await training.getTokenizer();
  const prompt = tokenizer.encode("say a word: ");
  for (let round = 0; round < ROUNDS; round++) {
    const sampler = await training.saveWeightsAndGetSamplingClient();
    const result = await sampler.sample(ModelInput.fromInts(prompt), GROUP, {
      max_tokens: 12,
      temperature: 1,
      seed: round,
    });
    const rewards = result.sequences.map((s) => reward(s.tokens, tokenizer));
    const mean = rewards.reduce((a, b) => a + b, 0) / rewards.length;
    const data: Datum[] = result.sequences.map((seq, i) => {
      const all = [...prompt, ...seq.tokens];
      const n = all.length - 1;
      // Prompt positions carry no advantage; completion positions carry the sequence's advantage.
      const pad = prompt.length - 1;
      const logprobs = [...new Array(pad).fill(0), ...(seq.logprobs ?? [])];
      const advantages = [
        ...new Array(pad).fill(0),
        ...new Array(seq.tokens.length).fill((rewards[i] ?? 0) - mean),
      ];
      return {
        model_input: ModelInput.fromInts(all.slice(0, -1)),
        loss_fn_inputs: {
          target_tokens: TensorData.fromArray(all.slice(1), "int64"),
          logprobs: TensorData.fromArray(logprobs.slice(0, n), "float32"),
          advantages: TensorData.fromArray(advantages.slice(0, n), "float32"),
        },
      };
    });
    // Both are submitted at once and land in order; awaiting both means no error goes unseen.
    await Promise.all([
      training.forwardBackward(
        data,
        LOSS,
        LOSS === "ppo" ? { clip_low_threshold: 0.8, clip_high_threshold: 1.2 } : undefined,
      ),
      training.optimStep({ learning_rate: 2e-2 }),
    ]);
    console.log(`round ${round + 1}/${ROUNDS}  mean reward ${mean.toFixed(3)}`);
  }
} finally {
  await conn.close();
}
