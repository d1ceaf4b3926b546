/**
 * Parity with golden `lowlevel`: resources no public 0.4.1 method calls (health check, unload_model,
 * untyped retrieve_future), sent through our Transport as the Python script used AsyncTinker.
 */
import { JSON_CODEC } from "../../src/types/codec.js";
import { encodeFutureRetrieveRequest, encodeUnloadModelRequest } from "../../src/types/requests.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/core/config.js";
import { Transport } from "../../src/core/transport.js";
import { loadMeta, metaStep } from "./golden.js";
import { expectParity, returnedDiffs, type Scenario, startScenario, TEST_KEY } from "./harness.js";

const meta = loadMeta("lowlevel");

describe("parity: lowlevel", () => {
  let sc: Scenario;
  beforeEach(async () => {
    sc = await startScenario("lowlevel");
  });
  afterEach(async () => {
    await sc.dispose();
  });

  it("sends the requests of lowlevel.jsonl", async () => {
    const transport = new Transport(
      resolveConfig({ apiKey: TEST_KEY, baseUrl: sc.replay.baseUrl }, {}),
      sc.clock.deps,
    );
    const got: Record<string, unknown> = {};
    try {
      got["health"] = (
        await transport.request({ method: "GET", path: "/api/v1/healthz", pool: "session" })
      ).body;
      got["unload_future"] = (
        await transport.request({
          method: "POST",
          path: "/api/v1/unload_model",
          body: JSON_CODEC.unload_model.encode(encodeUnloadModelRequest("model-9")),
          pool: "train",
        })
      ).body;
      got["retrieve"] = (
        await transport.request({
          method: "POST",
          path: "/api/v1/retrieve_future",
          body: JSON_CODEC.retrieve_future.encode(encodeFutureRetrieveRequest("req-0001")),
          pool: "retrieve_promise",
        })
      ).body;
    } finally {
      await transport.close();
    }
    await expectParity(sc.replay);
    expect(returnedDiffs(metaStep(meta, 1).returned, got)).toEqual([]);
  });
});
