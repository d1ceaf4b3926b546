/**
 * Parity v0.25 `billing` (fact 16): a 402 pauses the job instead of failing. forward_backward's
 * submit is re-sent 5 s later (same seq_id, no telemetry), asample's 402 is backed off 1 s like a
 * 429 and re-sent with the same seq_id, a poll's 402 is re-polled 5 s later (the heartbeat lands
 * during that sleep). A second ServiceClient whose server sets
 * `billing_exception_max_pause_duration_sec` 2 gets a 402, waits 5 s, gets another: raised.
 */
import { afterEach, describe, expect, it } from "vitest";
import { APIStatusError } from "../../src/errors/index.js";
import { ModelInput } from "../../src/types/model-input.js";
import type { Json } from "../parity/golden.js";
import { metaDatum } from "../parity/sdk.js";
import { loadMetaV025 } from "./golden.js";
import { type ScenarioV025Run, startScenarioV025 } from "./scenario.js";

let sc: ScenarioV025Run | undefined;
afterEach(async () => {
  await sc?.dispose();
  sc = undefined;
});

describe("parity v0.25: billing", () => {
  it("402 pauses: submit re-sent after 5 s, asample after 1 s with the same seq_id, poll after 5 s; raised after the window", async () => {
    // The recording ran with TINKER_TELEMETRY=0 (meta), as the default env here: no batch to compare.
    sc = await startScenarioV025("billing");
    const meta = loadMetaV025("billing");
    const step = (n: number) => meta.calls.find((c) => c.step === n)!;
    const logs: Array<[string, string]> = [];
    const logger = {
      warn: (m: string) => logs.push(["WARNING", m]),
      error: (m: string) => logs.push(["ERROR", m]),
    };
    const service = sc.service({ logger });
    const training = await service.createLoraTrainingClient("Qwen/Qwen3-8B", { rank: 32 });
    const data = (step(3).kwargs!["data"] as Json[]).map((d) => metaDatum(d));
    let sleeps = sc.clock.sleeps.length;
    const fb = await training.forwardBackward(data, "cross_entropy");
    expect(fb.loss_fn_output_type).toBe("ArrayRecord");
    expect(sc.clock.sleeps.slice(sleeps)).toContain(5000);

    const sampler = await service.createSamplingClient({ baseModel: "Qwen/Qwen3-8B" });
    sleeps = sc.clock.sleeps.length;
    const params = { max_tokens: 2, temperature: 1.0, top_k: -1, top_p: 1.0 };
    const s = await sampler.sample(ModelInput.fromInts([1, 2, 3]), 1, params);
    expect(s.sequences[0]?.tokens).toEqual([1000, 1001]);
    expect(sampler.nextSeqId).toBe(1); // the 402 re-send kept seq_id 0
    const after = sc.clock.sleeps.slice(sleeps);
    expect(after).toContain(1000); // asample 402: the sampling back-off
    expect(after).toContain(5000); // poll 402
    // One warning per incident and minute: both 402s of this holder came within a minute. (The
    // error's own text is tinker-ts's APIStatusError message, not Python's "Error code: 402 - …".)
    const warnings = logs.filter(([, m]) => m.startsWith("The job is paused due to billing status. Error: "));
    expect(warnings.length).toBe(1);
    expect(warnings[0]).toEqual(["WARNING", expect.stringContaining("billing account suspended")]);

    // billing_exception_max_pause_duration_sec 2: the second 402, 5 s after the first, is raised.
    const second = sc.service({ logger });
    const t2 = await second.createLoraTrainingClient("Qwen/Qwen3-8B", { rank: 8 });
    expect(t2.modelId).toBe("sess-2:train:0");
    const err = await t2.optimStep(step(10).kwargs!["adam_params"] as never).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIStatusError);
    expect((err as APIStatusError).status).toBe(step(11).raised!["status_code"]);
    expect(logs.at(-1)?.[0]).toBe("ERROR");
    expect(logs.at(-1)?.[1]).toMatch(
      /^The job was paused due to billing status for 5 seconds\. .*too long\. Aborting\.$/,
    );

    expect(sc.replay.received.length).toBe(meta.request_count);
    expect(sc.replay.report()).toEqual([]);
  });
});
