/**
 * Parity with golden `heartbeat`: heartbeats 10 s and 20 s after create_session (the first answered
 * 500 and not retried, `max_retries=0`), and the periodic telemetry flush with only SESSION_START.
 */
import { afterEach, beforeEach, describe, it } from "vitest";
import { expectParity, type Scenario, startScenario } from "./harness.js";
import { newService, sessionIdOf } from "./sdk.js";

describe("parity: heartbeat", () => {
  let sc: Scenario;
  beforeEach(async () => {
    sc = await startScenario("heartbeat");
  });
  afterEach(async () => {
    await sc.dispose();
  });

  it("sends the requests of heartbeat.jsonl on the 10 s schedule", async () => {
    const service = newService(sc);
    try {
      await sessionIdOf(service);
      await sc.clock.advance(9_000);
      await sc.clock.advance(1_100);
      await sc.replay.waitForLine(2);
      await sc.replay.waitForLine(3);
      await sc.clock.advance(10_000);
      await sc.replay.waitForLine(4);
    } finally {
      await service.close();
    }
    await expectParity(sc.replay);
  });
});
