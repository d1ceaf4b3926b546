/**
 * Parity v0.25 `training_proto`: protobuf forward_backward / forward with protobuf results,
 * optim_step with weight_decay and grad_clip_norm, save_state with ttl_seconds / overwrite,
 * load_state and load_state_with_optimizer (`optimizer` false / true), save_weights_for_sampler
 * with ttl_seconds, get_info and the 0.25 tokenizer lookup (fact 25: `tokenizer_id` cut at `:`).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { metaDatum } from "../parity/sdk.js";
import type { Json } from "../parity/golden.js";
import { writeBpeTokenizer } from "../unit/tokenizer/bpe-fixture.js";
import { loadMetaV025, type MetaV025 } from "./golden.js";
import { type ScenarioV025Run, startScenarioV025 } from "./scenario.js";

let sc: ScenarioV025Run | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await sc?.dispose();
  sc = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const dataOf = (meta: MetaV025, step: number) => {
  const data = meta.calls.find((c) => c.step === step)?.kwargs?.["data"];
  if (!Array.isArray(data)) throw new Error(`step ${step}: no data`);
  return data.map((d) => metaDatum(d as Json));
};
const returned = (meta: MetaV025, step: number) => meta.calls.find((c) => c.step === step)?.returned;
const kwargs = (meta: MetaV025, step: number) =>
  (meta.calls.find((c) => c.step === step)?.kwargs ?? {}) as Record<string, Json>;

describe("parity v0.25: training_proto", () => {
  it("drives all 24 steps: protobuf training, checkpoints with TTL/overwrite/optimizer, get_info, tokenizer", async () => {
    const root = mkdtempSync(join(tmpdir(), "tinker-v025-tok-"));
    dirs.push(root);
    // Only the cut id has files: a lookup of "Qwen/Qwen3-8B:tok-v2" would fail.
    writeBpeTokenizer(join(root, "Qwen", "Qwen3-8B"));
    sc = await startScenarioV025("training_proto", { telemetry: true }, {});
    sc.setEnv({ TINKER_TOKENIZER_DIR: root, HF_HUB_CACHE: root });
    const meta = loadMetaV025("training_proto");
    const service = sc.service();
    const training = await service.createLoraTrainingClient("Qwen/Qwen3-8B", { rank: 32 });
    expect(training.modelId).toBe("sess-1:train:0");
    const fb = training.forwardBackward(dataOf(meta, 3), "cross_entropy");
    const opt = training.optimStep({
      learning_rate: 0.0001,
      beta1: 0.9,
      beta2: 0.95,
      eps: 1e-12,
      weight_decay: 0.01,
      grad_clip_norm: 1.0,
    });
    const fbOut = await fb;
    expect((await opt).metrics).toEqual((returned(meta, 6) as { metrics: Json }).metrics);
    expect(fbOut.loss_fn_output_type).toBe("ArrayRecord");
    await training.forward(dataOf(meta, 7), "cross_entropy");
    await training.forwardBackward(
      dataOf(meta, 9),
      "ppo",
      kwargs(meta, 9)["loss_fn_config"] as Record<string, number>,
    );
    await training.optimStep({});

    // Steps 13-22: the checkpoint calls, seq_ids 6..10 (fact 14).
    expect(training.nextSeqId).toBe(6);
    const s1 = await training.saveState("ckpt-1", { ttlSeconds: 3600, overwrite: true });
    expect(s1.path).toBe((returned(meta, 14) as { path: string }).path);
    const s2 = await training.saveState("ckpt-2");
    expect(s2.path).toBe((returned(meta, 16) as { path: string }).path);
    const path = kwargs(meta, 17)["path"] as string;
    const l1 = await training.loadState(path);
    expect(l1.path).toBe(path);
    const l2 = await training.loadStateWithOptimizer(kwargs(meta, 19)["path"] as string);
    expect(l2.path).toBe((returned(meta, 20) as { path: string }).path);
    const sw = await training.saveWeightsForSampler("s1", { ttlSeconds: 600 });
    expect(sw).toEqual({ path: (returned(meta, 22) as { path: string }).path });
    expect(training.nextSeqId).toBe(11);

    const info = await training.getInfo();
    expect(info.model_data.model_name).toBe("Qwen/Qwen3-8B");
    const tok = await training.getTokenizer();
    expect(tok.decode(tok.encode("hello world"))).toBe("hello world");
    expect(sc.replay.received.length).toBe(meta.request_count);
    expect(sc.replay.report()).toEqual([]);
  });

  it("a bad TTL fails before anything is sent and uses no seq_id", async () => {
    sc = await startScenarioV025("training_proto", { optional: (l) => l.seq > 5 });
    const training = await sc.service().createLoraTrainingClient("Qwen/Qwen3-8B", { rank: 32 });
    const before = sc.replay.received.length;
    expect(() => training.saveState("x", { ttlSeconds: 0 })).toThrow(/ttl_seconds/);
    expect(() => training.saveState("x", { ttlSeconds: 1.5 })).toThrow(/ttl_seconds/);
    expect(() => training.saveWeightsForSampler("x", { ttlSeconds: -1 })).toThrow(/ttl_seconds/);
    expect(() => training.loadStateWithOptimizer("not-a-path")).toThrow();
    expect(training.nextSeqId).toBe(1);
    expect(sc.replay.received.length).toBe(before);
  });
});
