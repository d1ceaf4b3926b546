/**
 * Parity v0.25 with golden `heartbeat` (facts 2, 15, 23), on the fake clock: an invalid
 * `model_path` at ~3 s sends nothing and flushes telemetry at once (SESSION_START, the error,
 * SESSION_END: 5); heartbeats every 10 s after create_session, the first answered 500 and not
 * retried (6, 8); `dynamic_config` answered `refresh_interval_sec: 15` is fetched again 15 s after
 * the first fetch (7), with no HTTP-layer retry and the 10 s read timeout.
 */
import { afterEach, describe, expect, it } from "vitest";
import { holderOf } from "../../src/clients/service-client.js";
import { ValidationError } from "../../src/errors/index.js";
import type { ServiceClient } from "../../src/index.js";
import { loadMetaV025 } from "./golden.js";
import { type ScenarioV025Run, startScenarioV025 } from "./scenario.js";

let sc: ScenarioV025Run | undefined;
afterEach(async () => {
  await sc?.dispose();
  sc = undefined;
});

describe("parity v0.25: heartbeat", () => {
  it("10 s heartbeats, the 15 s dynamic_config refresh and the immediate flush of a bad model_path", async () => {
    sc = await startScenarioV025("heartbeat", { telemetry: true }, {});
    const meta = loadMetaV025("heartbeat");
    const service = sc.service();
    const sampler = await service.createSamplingClient({ baseModel: "Qwen/Qwen3-8B" });
    expect(sampler.samplingSessionId).toBe("sess-1:sample:0");
    expect(sc.replay.received.length).toBe(4);
    await sc.clock.advance(3_000);
    await expect(service.createSamplingClient({ modelPath: "not-a-tinker-path" })).rejects.toThrow(
      new ValidationError("model_path", "model_path must start with 'tinker://'"),
    );
    await sc.replay.waitForLine(5);
    expect(sc.replay.received.length).toBe(5); // the bad path itself sent nothing
    await sc.clock.advance(6_900);
    expect(sc.replay.received.length).toBe(5); // nothing before the 10 s mark
    await sc.clock.advance(200);
    await sc.replay.waitForLine(6); // heartbeat at 10 s: 500, no retry
    // The next period starts when the answer is read: wait for that before moving the clock on.
    await until(() => holderOf(service).heartbeat.failed === 1);
    await sc.clock.advance(4_900);
    await sc.replay.waitForLine(7); // dynamic_config at 15 s
    // The second period began when the 500 was read, at 10.1 s on this clock.
    await sc.clock.advance(5_000);
    expect(sc.replay.received.length).toBe(7);
    await sc.clock.advance(200);
    await sc.replay.waitForLine(8); // heartbeat at 20.1 s
    expect(holderHeartbeat(service)).toEqual({ sent: 2, failed: 1 });
    expect(sc.replay.received.length).toBe(meta.request_count);
    // Before dispose: close() sends a final SESSION_END batch that the SDK drops (docs/parity.md).
    expect(sc.replay.report()).toEqual([]);
  });
});

/** Resolves once `cond` holds (checked every event-loop turn; fails the test after 3 s). */
async function until(cond: () => boolean): Promise<void> {
  const started = Date.now();
  while (!cond()) {
    if (Date.now() - started > 3_000) throw new Error("condition not met within 3 s");
    await new Promise((r) => setImmediate(r));
  }
}

function holderHeartbeat(service: ServiceClient) {
  const { sent, failed } = holderOf(service).heartbeat;
  return { sent, failed };
}
