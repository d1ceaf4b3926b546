/**
 * Checkpoints: save training state and sampler weights, list them through the REST client, restore a
 * training client from a saved state, publish and delete.
 *
 *   npx tsx examples/checkpoints.ts
 */
import { ModelInput, TensorData } from "tinker-ts";
import { connect } from "./connect.js";

const conn = await connect();
try {
  const training = await conn.service.createLoraTrainingClient(conn.baseModel, { rank: 4, seed: 2 });
  const tokens = [1, 2, 3, 4, 5, 6, 7, 8];
  const data = [
    {
      model_input: ModelInput.fromInts(tokens.slice(0, -1)),
      loss_fn_inputs: { target_tokens: TensorData.fromArray(tokens.slice(1), "int64") },
    },
  ];
  await training.forwardBackward(data, "cross_entropy");
  await training.optimStep({ learning_rate: 1e-3 });
  const state = await training.saveState("step-1");
  const sampler = await training.saveWeightsForSampler("step-1-sampler");
  if (!sampler.path) throw new Error("save_weights_for_sampler returned no path");
  const samplerPath = sampler.path;
  console.log("saved:", state.path, "and", samplerPath);

  const rest = conn.service.createRestClient();
  const run = await rest.getTrainingRunByTinkerPath(state.path);
  console.log(`run ${run.training_run_id}: base ${run.base_model}, LoRA rank ${run.lora_rank}`);
  const { checkpoints } = await rest.listCheckpoints(run.training_run_id);
  for (const c of checkpoints)
    console.log(`  ${c.checkpoint_type.padEnd(8)} ${c.tinker_path}  ${c.size_bytes ?? "?"} bytes`);
  for await (const c of rest.iterateUserCheckpoints()) console.log("  (all runs)", c.tinker_path);

  const restored = await conn.service.createTrainingClientFromState(state.path);
  const a = await training.forward(data, "cross_entropy");
  const b = await restored.forward(data, "cross_entropy");
  console.log("restored model gives the same loss:", a.metrics["loss:sum"] === b.metrics["loss:sum"]);

  await rest.publishCheckpointFromTinkerPath(samplerPath);
  const { url } = await rest.getCheckpointArchiveUrlFromTinkerPath(samplerPath);
  console.log("archive URL:", url.split("?")[0]);
  await rest.deleteCheckpointFromTinkerPath(state.path);
  console.log("deleted", state.path);
} finally {
  await conn.close();
}
