/**
 * Parity with golden `telemetry`: the flush after a fatal error (retried by the HTTP layer with the
 * same key), the SDK-level re-send after `x-should-retry: false`, and the periodic 10 s flush.
 * Telemetry bodies are compared on meaning only (compare.ts `compareTelemetryBody`): skipped are
 * `platform`, `event_name` values, `func`, `exception`, `exception_type`, `exception_stack`,
 * `message`, `error_type`/`error_message`/`traceback` values and the wall-clock floats.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { BadRequestError } from "../../src/errors/index.js";
import { loadMeta, metaStep } from "./golden.js";
import { expectParity, returnedDiffs, type Scenario, startScenario } from "./harness.js";
import { newService, plain } from "./sdk.js";

const meta = loadMeta("telemetry");

describe("parity: telemetry", () => {
  let sc: Scenario;
  beforeEach(async () => {
    sc = await startScenario("telemetry");
  });
  afterEach(async () => {
    await sc.dispose();
  });

  it("sends the requests of telemetry.jsonl, including the heartbeat and the periodic flush", async () => {
    const service = newService(sc);
    try {
      await expect(service.getServerCapabilities()).rejects.toBeInstanceOf(BadRequestError);
      // The fatal error flushes at once (line 3, answered 500, retried as line 4 with the same key).
      await sc.replay.waitForLine(4);
      const caps = await service.getServerCapabilities();
      expect(returnedDiffs(metaStep(meta, 3).returned, plain(caps))).toEqual([]);
      // ~10 s later in Python: the first heartbeat (line 7) and the periodic flush (line 8).
      await sc.clock.advance(10_000);
      await sc.replay.waitForLine(7);
      await sc.clock.advance(2_000);
      await sc.replay.waitForLine(8);
    } finally {
      await service.close();
    }
    await expectParity(sc.replay);
  });
});
