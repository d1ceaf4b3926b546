/**
 * Parity of the 0.25.0 chunking_serial scenario (golden v0.25 facts 11–12): the server's
 * client/config sets `fwdbwd_max_chunk_len 3`, `fwdbwd_max_chunk_bytes_count 200` and
 * `parallel_fwdbwd_chunks false`, so chunks go in seq order, each after the previous submit.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { Json } from "../parity/golden.js";
import { metaDatum } from "../parity/sdk.js";
import { forwardOutputDiffs, submitOrder } from "./fwd-results.js";
import { loadMetaV025 } from "./golden.js";
import { type ScenarioV025Run, startScenarioV025 } from "./scenario.js";

let sc: ScenarioV025Run | undefined;
afterEach(async () => {
  await sc?.dispose();
  sc = undefined;
});

describe("parity v0.25: chunking_serial", () => {
  it("3/3/1 by count, 80-byte datums 2/2/1, 80 + 120 = 200 in one chunk, a 320-byte datum alone; serial order", async () => {
    sc = await startScenarioV025("chunking_serial", { telemetry: true }, {});
    const meta = loadMetaV025("chunking_serial");
    const call = (step: number) => meta.calls.find((c) => c.step === step);
    const training = await sc.service().createLoraTrainingClient("Qwen/Qwen3-8B", { rank: 32 });
    for (const step of [3, 5, 7, 9]) {
      const data = ((call(step)?.kwargs?.["data"] ?? []) as Json[]).map(metaDatum);
      const out = await training.forwardBackward(data, "cross_entropy");
      expect(forwardOutputDiffs(call(step + 1)?.returned as Json, out)).toEqual([]);
    }
    expect(training.nextSeqId).toBe(12);
    // Serial: every chunk in seq order (no concurrent submits).
    expect(submitOrder(sc.replay.received)).toEqual([6, 7, 8, 12, 13, 14, 18, 19, 22, 23, 24]);
    expect(sc.replay.received.length).toBe(meta.request_count);
    expect(sc.replay.report()).toEqual([]);
  });
});
