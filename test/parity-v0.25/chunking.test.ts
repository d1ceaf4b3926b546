/**
 * Parity of the 0.25.0 chunking scenario (golden v0.25 facts 11–12): default server caps (1024
 * datums, 5 000 000 estimated protobuf bytes, inclusive), parallel chunks (2..n at once, then 1),
 * consecutive seq_ids in data order, results and metrics combined in data order.
 */
import { afterEach, describe, expect, it } from "vitest";
import { MetricsReductionError } from "../../src/lib/metrics.js";
import { metaDatum } from "../parity/sdk.js";
import type { Json } from "../parity/golden.js";
import { chunkingRequestData, filledOutputBody, smallDatum, tinyDatum } from "./chunking-data.js";
import { asDatum, forwardOutputDiffs, submitOrder } from "./fwd-results.js";
import { loadMetaV025 } from "./golden.js";
import { type ScenarioV025Run, startScenarioV025 } from "./scenario.js";

let sc: ScenarioV025Run | undefined;
afterEach(async () => {
  await sc?.dispose();
  sc = undefined;
});

const small = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => asDatum(smallDatum(from + i)));
// batch:hash_unordered is a 64-bit Python int; JSON.parse of the meta file rounds it, so only its presence is compared.
const SKIP = ["batch:hash_unordered"];

describe("parity v0.25: chunking", () => {
  it("1025 → seq 2 then 1; [a, b] at exactly 5 000 000 bytes then tiny; 2049 → 6 and 7 at once, then 5; forward; bad metric key", async () => {
    // The 1024-datum results are summarised in the transcript; the harness answers them rebuilt.
    sc = await startScenarioV025(
      "chunking",
      { telemetry: true, responseBody: (l) => filledOutputBody(l.response.body) },
      {},
    );
    const meta = loadMetaV025("chunking");
    const returned = (step: number) => meta.calls.find((c) => c.step === step)?.returned as Json;
    const training = await sc.service().createLoraTrainingClient("Qwen/Qwen3-8B", { rank: 32 });
    expect(training.modelId).toBe("sess-1:train:0");

    const out1 = await training.forwardBackward(small(0, 1025), "cross_entropy");
    expect(forwardOutputDiffs(returned(4), out1, SKIP)).toEqual([]);

    const [a, b] = chunkingRequestData(11)!;
    const out2 = await training.forwardBackward(
      [asDatum(a!), asDatum(b!), asDatum(tinyDatum())],
      "cross_entropy",
    );
    expect(forwardOutputDiffs(returned(6), out2, SKIP)).toEqual([]);

    const out3 = await training.forwardBackward(small(0, 2049), "cross_entropy");
    expect(forwardOutputDiffs(returned(8), out3, SKIP)).toEqual([]);

    const out4 = await training.forward(small(0, 1025), "cross_entropy");
    expect(forwardOutputDiffs(returned(10), out4, SKIP)).toEqual([]);

    // Step 11: the server answers a metric key without ':' (Python: ValueError from the reduction).
    const step11 = meta.calls.find((c) => c.step === 11)?.kwargs?.["data"] as Json[];
    await expect(training.forwardBackward(step11.map(metaDatum), "cross_entropy")).rejects.toBeInstanceOf(
      MetricsReductionError,
    );
    expect(training.nextSeqId).toBe(11);
    // The fatal capture flushes SESSION_START, UNHANDLED_EXCEPTION and SESSION_END at once (26).
    await sc.replay.waitForLine(26);
    // Lines in recorded order: chunk seq 2 (line 6) before seq 1 (7), 4 before 3, 6 and 7 (14, 15) at once then 5 (16).
    expect(submitOrder(sc.replay.received, [[14, 15]])).toEqual([6, 7, 10, 11, 14, 15, 16, 20, 21, 24]);
    expect(sc.replay.received.filter((r) => r.line !== undefined).length).toBe(meta.request_count);
    expect(sc.replay.report()).toEqual([]);
  });
});
