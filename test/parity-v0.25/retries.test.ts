/**
 * Parity v0.25 `retries` (fact 15): the per-kind retry table. HTTP-layer retries keep the
 * idempotency key and count `x-stainless-retry-count` up (GET 429 + retry-after-ms, protobuf
 * forward_backward 500 ×2, optim_step 409, a read timeout); a get_info 400 is not retried;
 * save_weights goes with max_retries=0, so its 500 is re-sent by the SDK loop after 1 s with a new
 * key and retry-count 0; asample 429 and 500 are re-sent with the SAME seq_id after 1 s (fact 14).
 */
import { afterEach, describe, expect, it } from "vitest";
import { BadRequestError } from "../../src/errors/index.js";
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

describe("parity v0.25: retries", () => {
  it("HTTP retries keep the key, save_weights and asample are re-sent by the SDK loop", async () => {
    sc = await startScenarioV025("retries", { telemetry: true }, {});
    const meta = loadMetaV025("retries");
    const step = (n: number) => meta.calls.find((c) => c.step === n)!;
    const service = sc.service();

    const caps = await service.getServerCapabilities();
    expect(caps.supported_models.length).toBe(3);
    const training = await service.createLoraTrainingClient("Qwen/Qwen3-8B", { rank: 32 });
    const data = (step(4).kwargs!["data"] as Json[]).map((d) => metaDatum(d));
    const fb = await training.forwardBackward(data, "cross_entropy");
    expect(fb.loss_fn_output_type).toBe("ArrayRecord");
    expect((await training.optimStep(step(6).kwargs!["adam_params"] as never)).metrics).toEqual(
      (step(7).returned as { metrics: Json }).metrics,
    );
    const e400 = await training.getInfo().catch((e: unknown) => e);
    expect(e400).toBeInstanceOf(BadRequestError);
    expect((e400 as BadRequestError).status).toBe(step(8).raised!["status_code"]);
    // The fatal capture flushes at once: SESSION_START, the retry loop's WARNING, user_error, SESSION_END (18).
    await sc.replay.waitForLine(18);

    const sleeps = sc.clock.sleeps.length;
    const saved = await training.saveState("r1");
    expect(saved.path).toBe((step(10).returned as { path: string }).path);
    expect(sc.clock.sleeps.slice(sleeps)).toContain(1000); // execute_with_retries' first back-off

    const sampler = await service.createSamplingClient({ baseModel: "Qwen/Qwen3-8B" });
    const prompt = ModelInput.fromInts([1, 2, 3]);
    const params = { max_tokens: 4, temperature: 1.0, top_k: -1, top_p: 1.0 };
    expect((await sampler.sample(prompt, 1, params)).sequences[0]?.tokens).toEqual([1000, 1001, 1002, 1003]);
    expect(sampler.nextSeqId).toBe(1); // the 429 re-send kept seq_id 0
    expect((await sampler.sample(prompt, 1, params)).sequences[0]?.tokens).toEqual([1000, 1001, 1002, 1003]);
    expect(sampler.nextSeqId).toBe(2); // the 500 re-send kept seq_id 1

    // timeout=1.0: the recorded 1.6 s delay is never answered here; the read timeout is retried.
    const timed = sc.service({ timeout: 1000 });
    expect((await timed.getServerCapabilities()).supported_models.length).toBe(3);

    await service.close();
    await timed.close();
    // close() may send one trailing telemetry batch Python drops (docs/parity.md); it matches no line.
    expect(sc.replay.received.filter((r) => r.line !== undefined).length).toBe(meta.request_count);
    expect(sc.replay.report()).toEqual([]);
  });
});
