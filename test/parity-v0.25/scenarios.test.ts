/**
 * Parity of tinker-ts speaking protocol "0.25.0" with the Python SDK 0.25.0: each scenario of
 * test/fixtures/golden-v0.25/ driven through the same calls against a server replaying the
 * recorded answers; every request is compared (protobuf decoded + canonical hash). The handshake
 * is driven here; every other scenario in its own `<scenario>.test.ts`, which the last test checks.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { loadMetaV025, SCENARIOS_V025 } from "./golden.js";
import { type ScenarioV025Run, startScenarioV025 } from "./scenario.js";

let sc: ScenarioV025Run | undefined;
afterEach(async () => {
  await sc?.dispose();
  sc = undefined;
});

describe("parity v0.25: handshake", () => {
  it("lazy holders, client/config + dynamic_config per holder, 0.25 JSON bodies, 404 and 500 dynamic_config", async () => {
    sc = await startScenarioV025(
      "handshake",
      { telemetry: true, credentials: { "<api-key>": "tml-TESTKEY", "<api-key:ENVKEY>": "tml-ENVKEY" } },
      {},
    );
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

describe("parity v0.25: every scenario is driven", () => {
  it("each of the 17 scenarios has its test: handshake above, the others in <scenario>.test.ts", () => {
    expect(SCENARIOS_V025).toHaveLength(17);
    for (const name of SCENARIOS_V025) {
      if (name === "handshake") continue;
      expect(existsSync(fileURLToPath(new URL(`./${name}.test.ts`, import.meta.url))), name).toBe(true);
    }
  });
});
