/** Generation descriptions: the values each decides, and choosing one. */
import { describe, expect, it } from "vitest";
import {
  CLIENT_CONFIG_DEFAULTS,
  dynamicConfigRefreshSeconds,
  parseClientConfig,
} from "../../src/protocol/client-config.js";
import {
  chunkPolicyFromFlags,
  GENERATION_0_4_1,
  GENERATION_0_25_0,
  PROTOCOL_ENV,
  resolveGeneration,
} from "../../src/protocol/generation.js";
import { line } from "./helpers.js";

describe("resolveGeneration", () => {
  it("defaults to 0.4.1; the option beats TINKER_PROTOCOL; unknown names throw", () => {
    expect(resolveGeneration(undefined, {})).toBe(GENERATION_0_4_1);
    expect(resolveGeneration(undefined, { [PROTOCOL_ENV]: "0.25.0" })).toBe(GENERATION_0_25_0);
    expect(resolveGeneration("0.4.1", { [PROTOCOL_ENV]: "0.25.0" })).toBe(GENERATION_0_4_1);
    expect(resolveGeneration(undefined, { [PROTOCOL_ENV]: "" })).toBe(GENERATION_0_4_1);
    expect(() => resolveGeneration("0.25", {})).toThrow(RangeError);
  });
});

describe("what the generations decide", () => {
  it("0.25.0: protobuf forward/backward on one path, exclude_none, handshake, JWT timing", () => {
    const g = GENERATION_0_25_0;
    expect(g.codecs.forwardBackward).toBe("protobuf");
    expect(g.paths.forward).toBe("/api/v1/forward_backward");
    expect(g.jsonBodyRule).toBe("exclude_none");
    expect(g.handshake?.dynamicConfigReadTimeoutS).toBe(10);
    expect(g.auth.refreshBeforeExpiryMs).toBe(300_000);
    expect(g.auth.refreshOnDemandWithinMs).toBe(60_000);
    expect(g.poll).toMatchObject({
      allowMetadataOnly: true,
      on429: "backoff-2^n",
      max400Repolls: 3,
      on402SleepMs: 5_000,
    });
    // Fact 15: no HTTP-layer retries for these.
    for (const k of [
      "save_weights",
      "save_weights_for_sampler",
      "asample",
      "dynamic_config",
      "session_heartbeat",
      "retrieve_future",
    ] as const) {
      expect(g.retry.requests[k].httpMaxRetries, k).toBe(0);
    }
    expect(g.retry.sample.resendKeepsSeqId).toBe(true);
    expect(g.retry.sdk).toMatchObject({ initialDelayMs: 1_000, maxDelayMs: 30_000, billingPauseMs: 5_000 });
    expect(g.retry.requests.rest.sdkRetry).toBe(true);
  });

  it("0.4.1: JSON everywhere, no handshake, API key only, 128-datum / 500 000-number chunks", () => {
    const g = GENERATION_0_4_1;
    expect(g.codecs).toMatchObject({ forwardBackward: "json", forward: "json", zstdWhenServerAsks: false });
    expect(g.paths.forward).toBe("/api/v1/forward");
    expect(g.handshake).toBeNull();
    expect(g.auth.modes).toEqual(["api_key"]);
    expect(g.chunking).toMatchObject({ measure: "numbers", maxChunkLen: 128, maxChunkMeasure: 500_000 });
    expect(
      chunkPolicyFromFlags(g, {
        fwdbwd_max_chunk_len: 3,
        fwdbwd_max_chunk_bytes_count: 1,
        parallel_fwdbwd_chunks: true,
      }),
    ).toBe(g.chunking);
  });

  it("generations are frozen", () => {
    expect(Object.isFrozen(GENERATION_0_25_0)).toBe(true);
  });
});

describe("client/config", () => {
  it("the recorded answer parses to itself; defaults equal the SDK's", () => {
    const answer = line("handshake", 1).response.body as Record<string, unknown>;
    expect(parseClientConfig(answer)).toEqual(answer);
    expect({ ...CLIENT_CONFIG_DEFAULTS, use_pyqwest_transport: false }).toEqual(answer);
  });

  it("unknown flags dropped, wrong types defaulted; server caps feed the chunk policy", () => {
    const flags = parseClientConfig({
      fwdbwd_max_chunk_len: 3,
      parallel_fwdbwd_chunks: "no",
      future_flag: 1,
    });
    expect(flags.fwdbwd_max_chunk_len).toBe(3);
    expect(flags.parallel_fwdbwd_chunks).toBe(true);
    expect("future_flag" in flags).toBe(false);
    expect(
      chunkPolicyFromFlags(GENERATION_0_25_0, {
        ...flags,
        fwdbwd_max_chunk_bytes_count: 200,
        parallel_fwdbwd_chunks: false,
      }),
    ).toMatchObject({
      maxChunkLen: 3,
      maxChunkMeasure: 200,
      parallel: false,
    });
  });

  it("dynamic_config refresh is max(refresh_interval_sec, 10)", () => {
    expect(dynamicConfigRefreshSeconds({ refresh_interval_sec: 300 })).toBe(300);
    expect(dynamicConfigRefreshSeconds({ refresh_interval_sec: 1 })).toBe(10);
    expect(dynamicConfigRefreshSeconds(null)).toBe(300);
  });
});
