/**
 * Parity v0.25 `weights_state` (facts 20–21): createTrainingClientFromState(WithOptimizer) via
 * weights_info on the REST holder, create_model with the checkpoint's LoRA settings, load_weights
 * with `optimizer`; base_model / user_metadata overrides; a weights_access_token (its own holder
 * with that key); a missing checkpoint (404); then create_model_via_load_weights.
 */
import { afterEach, describe, expect, it } from "vitest";
import { NotFoundError } from "../../src/errors/index.js";
import { metaDatum } from "../parity/sdk.js";
import type { Json } from "../parity/golden.js";
import { loadMetaV025 } from "./golden.js";
import { type ScenarioV025Run, startScenarioV025 } from "./scenario.js";

let sc: ScenarioV025Run | undefined;
afterEach(async () => {
  await sc?.dispose();
  sc = undefined;
});

describe("parity v0.25: weights_state", () => {
  it("drives all 14 steps", async () => {
    sc = await startScenarioV025(
      "weights_state",
      {
        telemetry: true,
        credentials: { "<api-key>": "tml-TESTKEY", "<api-key:WEIGHTSKEY>": "tml-WEIGHTSKEY" },
      },
      {},
    );
    const meta = loadMetaV025("weights_state");
    const callAt = (step: number) => {
      const c = meta.calls.find((x) => x.step === step);
      if (!c) throw new Error(`no step ${step}`);
      return c;
    };
    const modelIdOf = (step: number) => (callAt(step).returned as { model_id: string }).model_id;
    const s1 = sc.service();
    const base = await s1.createLoraTrainingClient("Qwen/Qwen3-30B-A3B", {
      rank: 16,
      trainUnembed: false,
      userMetadata: { origin: "golden" },
    });
    const { path } = await base.saveState("w1");
    expect(path).toBe("tinker://sess-1:train:0/weights/w1");

    const t1 = await s1.createTrainingClientFromState(path);
    expect(t1.modelId).toBe(modelIdOf(5));
    const t2 = await s1.createTrainingClientFromStateWithOptimizer(path, {
      baseModel: "Qwen/Qwen3-30B-A3B-long",
      userMetadata: { resumed: "yes" },
    });
    expect(t2.modelId).toBe(modelIdOf(6));
    const t3 = await s1.createTrainingClientFromState(path, { weightsAccessToken: "tml-WEIGHTSKEY" });
    expect(t3.modelId).toBe(modelIdOf(7));
    const t4 = await s1.createTrainingClientFromState(path, { weightsAccessToken: "tml-WEIGHTSKEY" });
    expect(t4.modelId).toBe(modelIdOf(8));
    const missing = await s1.createTrainingClientFromState("tinker://missing-run:train:0/weights/w1").then(
      () => null,
      (e: unknown) => e,
    );
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((missing as NotFoundError).status).toBe(404);

    // The server now sets create_model_via_load_weights (the recorded client/config says so).
    const s2 = sc.service();
    const v1 = await s2.createTrainingClientFromState(path);
    expect(v1.modelId).toBe(modelIdOf(11));
    const kwargs: Record<string, Json> = callAt(12).kwargs ?? {};
    const data = (kwargs["data"] as Json[]).map((d) => metaDatum(d));
    const out = await v1.forwardBackward(data, "cross_entropy");
    expect(out.metrics).toEqual({ "loss:sum": 3.75 });
    const v2 = await s2.createTrainingClientFromStateWithOptimizer(path, {
      baseModel: "Qwen/Qwen3-30B-A3B",
      userMetadata: { via: "load_weights" },
    });
    expect(v2.modelId).toBe(modelIdOf(14));
    expect(sc.replay.received.length).toBe(meta.request_count);
    expect(sc.replay.report()).toEqual([]);
  });
});
