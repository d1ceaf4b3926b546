/**
 * Parity of tinker-ts speaking protocol "0.25.0" with the Python SDK 0.25.0: each scenario of
 * test/fixtures/golden-v0.25/ driven through the same calls against a server replaying the
 * recorded answers; every request is compared (protobuf decoded + canonical hash). Scenarios not
 * yet reachable are `it.todo` with the reason.
 */
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

/** Scenarios (or parts) not driven yet, each with what is missing in tinker-ts. */
const TODO: Record<string, string> = {
  chunking:
    "server-set chunk caps with the protobuf size estimator and parallel chunks 2..n before 1 are not wired",
  chunking_serial:
    "server-set chunk caps (fwdbwd_max_chunk_len / bytes_count) are not applied by the TrainingClient",
  budgets: "dispatch byte budgets and the inflight response-byte budget are not implemented",
  retries:
    "per-kind HTTP retry table and asample same-seq_id re-send are not wired into the transport/retry handler",
  futures:
    "poll policy (429 2^n, 3 bare-400 re-polls, protobuf-only types) is implemented but the scenario is not driven",
  billing: "402 billing pause with the server-set limit is not wired into executeWithRetries",
  jwt_auth: "JWT exchange and refresh (protocol/auth) are not connected to the transport's credential hook",
  credentials: "TINKER_CREDENTIAL_CMD provider is not connected to the session holder",
  rest: "the new RestClient methods (sessions, weights info, TTL, audit, billing, whoami, trace export, project) are not implemented",
  telemetry: "process_uuid and the session-less telemetry holder are not implemented",
  heartbeat:
    "periodic dynamic_config refresh exists but the heartbeat scenario (fake-clock timing) is not driven",
  lowlevel: "no low-level AsyncTinker-style client in tinker-ts",
};

describe("parity v0.25: remaining scenarios", () => {
  it("names all 17 scenarios (driven above or todo below)", () => {
    // Driven in their own files: <scenario>.test.ts.
    const driven = ["handshake", "training_proto", "training_zstd", "weights_state", "sampling_proto"];
    expect([...SCENARIOS_V025].sort()).toEqual([...new Set([...driven, ...Object.keys(TODO)])].sort());
  });
  for (const [name, reason] of Object.entries(TODO)) it.todo(`${name}: ${reason}`);
});
