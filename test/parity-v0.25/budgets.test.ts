/**
 * Parity of the 0.25.0 budgets scenario (golden v0.25 facts 8 and 13): (A) a complete_metadata
 * answer, then a poll with allow_metadata_only false under the in-flight response budget; (B)
 * sample_dispatch_bytes_semaphore_size 10 with 30-byte prompts: one asample at a time; (C)
 * sample_max_concurrent_requests 1: one whole sample (submit and poll) at a time; (D)
 * fwdbwd_dispatch_bytes_semaphore_size 1: chunk submits seq 2, 3, 1 one at a time.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ModelInput } from "../../src/types/model-input.js";
import type { SampleResponse } from "../../src/types/responses.js";
import type { Json } from "../parity/golden.js";
import { metaDatum } from "../parity/sdk.js";
import { forwardOutputDiffs, submitOrder } from "./fwd-results.js";
import { loadMetaV025, type MetaV025 } from "./golden.js";
import { type ScenarioV025Run, startScenarioV025 } from "./scenario.js";

let sc: ScenarioV025Run | undefined;
afterEach(async () => {
  await sc?.dispose();
  sc = undefined;
});

type MetaPrompt = { chunks: Array<{ tokens: number[] }> };
type MetaSampling = { max_tokens: number; temperature: number; top_k: number; top_p: number };

/** The sample call of `step` as our arguments. */
function sampleArgs(meta: MetaV025, step: number) {
  const k = meta.calls.find((c) => c.step === step)?.kwargs as {
    prompt: MetaPrompt;
    num_samples: number;
    sampling_params: MetaSampling;
  };
  const sp = k.sampling_params;
  return [
    ModelInput.fromInts(k.prompt.chunks.flatMap((c) => c.tokens)),
    k.num_samples,
    { max_tokens: sp.max_tokens, temperature: sp.temperature, top_k: sp.top_k, top_p: sp.top_p },
  ] as const;
}

/** A SampleResponse as the meta file shows it (sequences only; the rest is null / 0 here). */
function sequencesOf(r: SampleResponse) {
  return r.sequences.map((s) => ({
    stop_reason: s.stop_reason,
    tokens: [...s.tokens],
    logprobs: s.logprobs,
  }));
}
function recordedSequences(meta: MetaV025, step: number) {
  const r = meta.calls.find((c) => c.step === step)?.returned as {
    sequences: Array<{ stop_reason: string; tokens: number[]; logprobs: number[] }>;
  };
  return r.sequences.map((s) => ({ stop_reason: s.stop_reason, tokens: s.tokens, logprobs: s.logprobs }));
}

const onPath = (path: string) => (sc?.replay.received ?? []).filter((r) => r.line?.path === path);

describe("parity v0.25: budgets", () => {
  it("A metadata-only poll, B sample byte budget, C one sample at a time, D fwd/bwd byte budget", async () => {
    // The recorder held the first two asample answers (B) and the first chunk submit (D) for
    // 0.3 s; held here too, so a request that did not wait for them would be seen in flight.
    const held = new Set([12, 13, 22, 24, 33, 34]);
    sc = await startScenarioV025(
      "budgets",
      { telemetry: true, delayMs: (l) => (held.has(l.seq) ? 50 : 0) },
      {},
    );
    const meta = loadMetaV025("budgets");

    // A: complete_metadata (80 bytes > the recorder's 40-byte inline limit) → poll again with false.
    const s1 = await sc.service().createSamplingClient({ baseModel: "Qwen/Qwen3-8B" });
    const a = await s1.sample(...sampleArgs(meta, 3));
    expect(sequencesOf(a)).toEqual(recordedSequences(meta, 4));

    // B: 30-byte prompts against a 10-byte budget: each asample waits for the previous answer.
    const s2 = await sc.service().createSamplingClient({ baseModel: "Qwen/Qwen3-8B" });
    const b = [7, 8, 9].map((step) => s2.sample(...sampleArgs(meta, step)));
    for (const [i, f] of b.entries()) expect(sequencesOf(await f)).toEqual(recordedSequences(meta, 10 + i));
    const bSubmits = onPath("/api/v1/asample").filter((r) => [12, 13, 14].includes(r.line!.seq));
    expect(bSubmits.map((r) => [r.line!.seq, r.inFlight])).toEqual([
      [12, 0],
      [13, 0],
      [14, 0],
    ]);

    // C: one sample (submit and poll) at a time: submit, poll, submit, poll, ...
    const s3 = await sc.service().createSamplingClient({ baseModel: "Qwen/Qwen3-8B" });
    const c = [15, 16, 17].map((step) => s3.sample(...sampleArgs(meta, step)));
    for (const [i, f] of c.entries()) expect(sequencesOf(await f)).toEqual(recordedSequences(meta, 18 + i));
    const cLines = sc.replay.received.flatMap((r) =>
      r.line && r.line.seq >= 22 && r.line.seq <= 27 ? [r.line.seq] : [],
    );
    expect(cLines).toEqual([22, 23, 24, 25, 26, 27]);

    // D: chunks of 2 datums, a 1-byte budget: seq 2, then 3 after 2 was answered, then 1.
    const training = await sc.service().createLoraTrainingClient("Qwen/Qwen3-8B", { rank: 32 });
    const data = ((meta.calls.find((x) => x.step === 23)?.kwargs?.["data"] ?? []) as Json[]).map(metaDatum);
    const out = await training.forwardBackward(data, "cross_entropy");
    expect(forwardOutputDiffs(meta.calls.find((x) => x.step === 24)?.returned as Json, out)).toEqual([]);
    expect(submitOrder(sc.replay.received)).toEqual([33, 34, 35]);
    expect(onPath("/api/v1/forward_backward").map((r) => r.inFlight)).toEqual([0, 0, 0]);

    expect(sc.replay.received.length).toBe(meta.request_count);
    expect(sc.replay.report()).toEqual([]);
  });
});
