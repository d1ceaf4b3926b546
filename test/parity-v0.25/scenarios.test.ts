/**
 * Parity of tinker-ts speaking protocol "0.25.0" with the Python SDK 0.25.0: each scenario of
 * test/fixtures/golden-v0.25/ driven through the same calls against a server replaying the
 * recorded answers; every request is compared (protobuf decoded + canonical hash). Scenarios not
 * yet reachable are `it.todo` with the reason.
 */
import { afterEach, describe, expect, it } from "vitest";
import { metaDatum } from "../parity/sdk.js";
import type { Json } from "../parity/golden.js";
import { loadMetaV025, type MetaV025, SCENARIOS_V025 } from "./golden.js";
import { type ScenarioV025Run, startScenarioV025 } from "./scenario.js";

let sc: ScenarioV025Run | undefined;
afterEach(async () => {
  await sc?.dispose();
  sc = undefined;
});

describe("parity v0.25: handshake", () => {
  it("lazy holders, client/config + dynamic_config per holder, 0.25 JSON bodies, 404 and 500 dynamic_config", async () => {
    sc = await startScenarioV025("handshake", {
      credentials: { "<api-key>": "tml-TESTKEY", "<api-key:ENVKEY>": "tml-ENVKEY" },
    });
    const meta = loadMetaV025("handshake");
    const s1 = sc.service();
    expect(sc.replay.received).toEqual([]); // construction sends nothing
    const caps = await s1.getServerCapabilities();
    expect(caps.supported_models.map((m) => m.model_name)).toEqual(
      (meta.calls[1]!.returned as { supported_models: Array<{ model_name: string }> }).supported_models.map(
        (m) => m.model_name,
      ),
    );
    s1.createRestClient();
    const training = await s1.createLoraTrainingClient("Qwen/Qwen3-8B", {
      rank: 16,
      seed: 3,
      trainAttn: false,
      userMetadata: { purpose: "golden" },
    });
    expect(training.modelId).toBe("sess-1:train:0");
    const info = await training.getInfo();
    expect(info.model_id).toBe("sess-1:train:0");

    sc.setEnv({ TINKER_TAGS: "golden" });
    const s2 = sc.service({
      userMetadata: { team: "golden", purpose: "wire-capture" },
      projectId: "proj-golden",
    });
    const sampler2 = await s2.createSamplingClient({ baseModel: "Qwen/Qwen3-8B" });
    expect(sampler2.samplingSessionId).toBe("sess-2:sample:0");

    sc.setEnv({
      TINKER_TAGS: "",
      TINKER_API_KEY: "tml-ENVKEY",
      TINKER_BASE_URL: sc.replay.baseUrl,
      TINKER_PROJECT_ID: "proj-env",
      CLOUDFLARE_ACCESS_CLIENT_ID: "cf-client-id",
      CLOUDFLARE_ACCESS_CLIENT_SECRET: "cf-client-secret",
    });
    const s3 = sc.service({ envOnly: true });
    const sampler3 = await s3.createSamplingClient({ baseModel: "meta-llama/Llama-3.1-8B" });
    expect(sampler3.samplingSessionId).toBe("sess-3:sample:0");
    expect(sc.replay.received.length).toBe(meta.request_count);
    expect(sc.replay.report()).toEqual([]);
  });
});

const dataOf = (meta: MetaV025, step: number) => {
  const data = meta.calls.find((c) => c.step === step)?.kwargs?.["data"];
  if (!Array.isArray(data)) throw new Error(`step ${step}: no data`);
  return data.map((d) => metaDatum(d as Json));
};

describe("parity v0.25: training_proto (steps 1-12)", () => {
  it("protobuf forward_backward / forward, protobuf results, optim_step with weight_decay and grad_clip_norm", async () => {
    // Lines after 16 (save_state with TTL, load_state_with_optimizer, ...) are the todo below.
    sc = await startScenarioV025("training_proto", { optional: (l) => l.seq > 16 });
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
    await opt;
    expect(fbOut.loss_fn_output_type).toBe("ArrayRecord");
    await training.forward(dataOf(meta, 7), "cross_entropy");
    const ppoCall = meta.calls.find((c) => c.step === 9);
    await training.forwardBackward(
      dataOf(meta, 9),
      "ppo",
      ppoCall?.kwargs?.["loss_fn_config"] as Record<string, number>,
    );
    await training.optimStep({});
    expect(sc.replay.received.filter((r) => r.line !== undefined).length).toBe(16);
    expect(sc.replay.report()).toEqual([]);
  });
});

/** Scenarios (or parts) not driven yet, each with what is missing in tinker-ts. */
const TODO: Record<string, string> = {
  training_proto:
    "steps 13-24: saveState({ ttlSeconds, overwrite }), loadStateWithOptimizer, saveWeightsForSampler TTL and the 0.25 tokenizer lookup are not wired",
  training_zstd:
    "zstd bodies are encoded (codec-0_25) but image chunks with expected_tokens and the asset-pointer seq_id rule are not driven",
  sampling_proto:
    "SamplingClient 0.25 paths (GET /samplers for tokenizer/base model) and prompt_cache_hit_tokens not wired",
  weights_state:
    "createTrainingClientFromState via weights_info and load_weights with optimizer are not implemented",
};

describe("parity v0.25: remaining scenarios", () => {
  it("names all 17 scenarios (driven above or todo below)", () => {
    const driven = [
      "handshake",
      "training_proto",
      "retries",
      "futures",
      "billing",
      "jwt_auth",
      "credentials",
      "telemetry",
      "heartbeat",
      "lowlevel",
      "rest",
      "chunking",
      "chunking_serial",
      "budgets",
    ];
    expect([...SCENARIOS_V025].sort()).toEqual([...new Set([...driven, ...Object.keys(TODO)])].sort());
  });
  for (const [name, reason] of Object.entries(TODO)) it.todo(`${name}: ${reason}`);
});
