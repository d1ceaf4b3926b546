/**
 * Parity v0.25 with golden `lowlevel`: the Python script drove `AsyncTinker` directly —
 * client_config, client_dynamic_config, health_check, auth_token, models.unload and a typed
 * futures.retrieve — and tinker-ts's LowLevelClient sends the same six requests (bodies, 60 s read
 * timeouts, no SDK-level headers on the poll) and returns the same values.
 */
import { afterEach, describe, expect, it } from "vitest";
import { LowLevelClient } from "../../src/index.js";
import { returnedDiffs } from "../parity/harness.js";
import { loadMetaV025 } from "./golden.js";
import { type ScenarioV025Run, startScenarioV025, TEST_KEY } from "./scenario.js";

let sc: ScenarioV025Run | undefined;
let api: LowLevelClient | undefined;
afterEach(async () => {
  await api?.close();
  await sc?.dispose();
  api = undefined;
  sc = undefined;
});

describe("parity v0.25: lowlevel", () => {
  it("sends the requests of lowlevel.jsonl and returns the recorded values", async () => {
    // LowLevelClient has no holder and so no telemetry (the recording has no batch either).
    sc = await startScenarioV025("lowlevel");
    const meta = loadMetaV025("lowlevel");
    api = new LowLevelClient({
      apiKey: TEST_KEY,
      baseUrl: sc.replay.baseUrl,
      protocol: "0.25.0",
      deps: sc.clock.deps,
    });
    expect(sc.replay.received).toEqual([]); // construction sends nothing
    const got = {
      client_config: await api.clientConfig(),
      dynamic_config: await api.clientDynamicConfig(),
      health: await api.healthCheck(),
      auth_token: await api.authToken(),
      unload_future: await api.models.unload("sess-9:train:0"),
      retrieve: await api.futures.retrieve("req-0001"),
    };
    const returned = meta.calls[0]!.returned as Record<string, unknown>;
    // The JWT is minted by the server: the recording shows a placeholder, the replay mints one.
    expect(got.auth_token.jwt).toMatch(/^eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    const { auth_token: _minted, ...rest } = returned;
    expect(returnedDiffs(rest, got)).toEqual([]);
    expect(got.retrieve).toEqual({ model_id: "sess-9:train:0", type: "unload_model" });
    expect(sc.replay.received.length).toBe(meta.request_count);
    expect(sc.replay.report()).toEqual([]);
  });
});
