/**
 * The README's tour, as a file so that it is type-checked and run in CI: service → training loop →
 * save → sample → REST. Against the embedded emulator unless TINKER_API_KEY is set.
 *
 *   npx tsx examples/tour.ts
 */
import { ModelInput, ServiceClient, TensorData } from "tinker-ts";
import { startEmulator } from "tinker-ts/emulator";

const emulator = process.env.TINKER_API_KEY ? undefined : await startEmulator();
// Reads TINKER_API_KEY / TINKER_BASE_URL; explicit options win.
const service = new ServiceClient(emulator ? { apiKey: "tml-local", baseUrl: emulator.url } : {});
try {
  const { supported_models } = await service.getServerCapabilities();
  const baseModel = supported_models[0]?.model_name ?? "Qwen/Qwen3-8B";
  const training = await service.createLoraTrainingClient(baseModel, { rank: 8 });
  const tokenizer = await training.getTokenizer();

  const tokens = tokenizer.encode("The quick brown fox jumps over the lazy dog.");
  const datum = {
    model_input: ModelInput.fromInts(tokens.slice(0, -1)),
    loss_fn_inputs: {
      target_tokens: TensorData.fromArray(tokens.slice(1), "int64"),
      weights: TensorData.fromArray(new Array(tokens.length - 1).fill(1), "float32"),
    },
  };
  for (let step = 0; step < 5; step++) {
    // Both calls are sent at once and run in order; await the futures when you need the results.
    const fwdBwd = training.forwardBackward([datum], "cross_entropy");
    const optim = training.optimStep({ learning_rate: 1e-2 });
    const [out] = await Promise.all([fwdBwd, optim]);
    console.log(`step ${step}: loss ${out.metrics["loss:sum"]?.toFixed(2)}`);
  }

  const sampler = await training.saveWeightsAndGetSamplingClient();
  const prompt = ModelInput.fromInts(tokenizer.encode("The quick"));
  const { sequences } = await sampler.sample(prompt, 2, { max_tokens: 20, temperature: 0.7, seed: 1 });
  for (const seq of sequences) console.log(seq.stop_reason, JSON.stringify(tokenizer.decode(seq.tokens)));

  const state = await training.saveState("tour");
  const rest = service.createRestClient();
  const { checkpoints } = await rest.listCheckpoints(training.modelId);
  console.log(
    state.path,
    checkpoints.map((c) => c.checkpoint_id),
  );
} finally {
  await service.close();
  await emulator?.close();
}
