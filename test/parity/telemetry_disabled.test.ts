/** Parity with golden `telemetry_disabled`: with TINKER_TELEMETRY=0 no telemetry request is ever sent. */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BadRequestError } from "../../src/errors/index.js";
import { expectParity, type Scenario, startScenario } from "./harness.js";
import { newService } from "./sdk.js";

describe("parity: telemetry_disabled", () => {
  let sc: Scenario;
  beforeEach(async () => {
    // No extra telemetry is tolerated here, not even a close-time flush. Heartbeats are: the test
    // runs the clock past 10 s (the Python run was shorter) to show no periodic flush happens.
    sc = await startScenario(
      "telemetry_disabled",
      { tolerateExtra: ["heartbeat"] },
      { TINKER_TELEMETRY: "0" },
    );
  });
  afterEach(async () => {
    await sc.dispose();
  });

  it("sends the requests of telemetry_disabled.jsonl and nothing else", async () => {
    const service = newService(sc);
    try {
      await expect(service.getServerCapabilities()).rejects.toBeInstanceOf(BadRequestError);
      await sc.clock.advance(12_000);
    } finally {
      await service.close();
    }
    await expectParity(sc.replay);
    expect(sc.replay.extras.map((e) => e.req.path).filter((p) => p !== "/api/v1/session_heartbeat")).toEqual(
      [],
    );
    expect(sc.replay.exchanges.map((e) => e.req.path)).toEqual([
      "/api/v1/create_session",
      "/api/v1/get_server_capabilities",
    ]);
  });
});
