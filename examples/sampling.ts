/**
 * Sampling with every parameter: temperature, top_k, top_p, max_tokens, stop strings and token ids,
 * seeds, several samples per prompt, prompt logprobs and top-k prompt logprobs.
 *
 *   npx tsx examples/sampling.ts
 */
import { ModelInput } from "tinker-ts";
import { connect } from "./connect.js";

const conn = await connect();
try {
  const sampler = await conn.service.createSamplingClient({ baseModel: conn.baseModel });
  const training = await conn.service.createLoraTrainingClient(conn.baseModel, { rank: 2 });
  const tokenizer = await training.getTokenizer();
  const prompt = ModelInput.fromInts(tokenizer.encode("Once upon a time"));

  const greedy = await sampler.sample(prompt, 1, { max_tokens: 16, temperature: 0 });
  console.log("greedy:", JSON.stringify(tokenizer.decode(greedy.sequences[0]?.tokens ?? [])));

  const varied = await sampler.sample(prompt, 3, {
    max_tokens: 16,
    temperature: 1.0,
    top_k: 20,
    top_p: 0.9,
    seed: 7,
  });
  for (const seq of varied.sequences)
    console.log(`sample (${seq.stop_reason}):`, JSON.stringify(tokenizer.decode(seq.tokens)));

  const again = await sampler.sample(prompt, 3, {
    max_tokens: 16,
    temperature: 1.0,
    top_k: 20,
    top_p: 0.9,
    seed: 7,
  });
  const same = JSON.stringify(again.sequences) === JSON.stringify(varied.sequences);
  console.log("same seed, same samples:", same);

  // Stops: with temperature 0 the output is the greedy one, so a token (or a character) that the
  // greedy continuation contains ends the sample there, with stop_reason "stop".
  const greedyTokens = greedy.sequences[0]?.tokens ?? [];
  const stopToken = greedyTokens[3];
  if (stopToken !== undefined) {
    const byId = await sampler.sample(prompt, 1, { max_tokens: 16, temperature: 0, stop: [stopToken] });
    const seq = byId.sequences[0];
    console.log(`stop token id ${stopToken}: ${seq?.stop_reason} after ${seq?.tokens.length} tokens`);
  }
  const ascii = greedyTokens.find((t) => t >= 32 && t < 127);
  if (ascii !== undefined) {
    const stopString = tokenizer.decode([ascii]);
    const byString = await sampler.sample(prompt, 1, { max_tokens: 16, temperature: 0, stop: [stopString] });
    console.log(`stop string ${JSON.stringify(stopString)}: ${byString.sequences[0]?.stop_reason}`);
  }

  const scored = await sampler.sample(
    prompt,
    1,
    { max_tokens: 1 },
    { includePromptLogprobs: true, topkPromptLogprobs: 3 },
  );
  console.log(
    "prompt logprobs:",
    scored.prompt_logprobs?.map((x) => (x === null ? "null" : x.toFixed(2))).join(" "),
  );
  console.log("top-3 at the last prompt position:", JSON.stringify(scored.topk_prompt_logprobs?.at(-1)));
  const logprobs = await sampler.computeLogprobs(prompt);
  console.log("computeLogprobs:", logprobs.length, "values");
} finally {
  await conn.close();
}
