/**
 * Parity v0.25 with golden `telemetry` (fact 23), telemetry bodies compared too (replay option
 * `telemetry`): the REST holder's 400 is reported under `sessionless-<uuid>` with no
 * SESSION_START/END (3–4); the session holder's 400 flushes SESSION_START, the events and
 * SESSION_END at once, and the 500 on that POST is retried with the same key (10–12); a 500 with
 * `x-should-retry: false` is re-sent by the SDK-level loop (13–14) and its warning waits for the
 * periodic 10 s flush (16), next to the heartbeat (15). One `process_uuid` in every batch.
 */
import { afterEach, describe, expect, it } from "vitest";
import { BadRequestError } from "../../src/errors/index.js";
import { returnedDiffs } from "../parity/harness.js";
import { loadMetaV025 } from "./golden.js";
import { type ScenarioV025Run, startScenarioV025 } from "./scenario.js";

let sc: ScenarioV025Run | undefined;
afterEach(async () => {
  await sc?.dispose();
  sc = undefined;
});

describe("parity v0.25: telemetry", () => {
  it("session-less and session batches with one process_uuid, fatal and periodic flushes", async () => {
    sc = await startScenarioV025("telemetry", { telemetry: true }, {});
    const meta = loadMetaV025("telemetry");
    const service = sc.service();
    await expect(service.getServerCapabilities()).rejects.toBeInstanceOf(BadRequestError);
    await sc.replay.waitForLine(4);
    const training = await service.createLoraTrainingClient("Qwen/Qwen3-8B", { rank: 32 });
    expect(training.modelId).toBe("sess-1:train:0");
    await expect(training.getInfo()).rejects.toBeInstanceOf(BadRequestError);
    // The flush's first POST gets a 500; the HTTP layer re-sends it after its short back-off.
    await sc.replay.waitForLine(12);
    const info = await training.getInfo();
    // The meta's model_data shows tokenizer_id without the ":tok-v2" the wire carried (line 14);
    // the rest of the recorded value is compared.
    const { model_data: _normalised, ...recorded } = meta.calls.find((c) => c.step === 5)!.returned as Record<
      string,
      unknown
    >;
    expect(returnedDiffs(recorded, info)).toEqual([]);
    // 10 s after create_session the heartbeat; 10 s after the last flush the periodic one.
    await sc.clock.advance(10_000);
    await sc.replay.waitForLine(15);
    await sc.replay.waitForLine(16);
    expect(sc.replay.received.length).toBe(meta.request_count);
    // Before dispose: close() sends a final SESSION_END batch that the SDK drops (docs/parity.md).
    expect(sc.replay.report()).toEqual([]);
  });
});
