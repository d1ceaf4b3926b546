/**
 * Parity v0.25 `sampling_proto`: protobuf SampleResponse results (NaN prompt logprobs → null,
 * top-k matrices with sentinels, prompt_cache_hit_tokens), every SamplingParams field, an image
 * chunk with expected_tokens (JSON base64), get_base_model / get_tokenizer via GET /samplers/{id}
 * with 0.25's tokenizer names (fact 25), save_weights_and_get_sampling_client,
 * TrainingClient.createSamplingClient, and an invalid model_path (its telemetry batch, fact 23).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ValidationError } from "../../src/errors/index.js";
import { ModelInput } from "../../src/types/model-input.js";
import type { SampleResponse } from "../../src/types/responses.js";
import type { Json } from "../parity/golden.js";
import { writeBpeTokenizer } from "../unit/tokenizer/bpe-fixture.js";
import { loadMetaV025 } from "./golden.js";
import { type ScenarioV025Run, startScenarioV025 } from "./scenario.js";

let sc: ScenarioV025Run | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await sc?.dispose();
  sc = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A recorded value without the recorder's `__type__` tags. */
function untagged(v: Json): Json {
  if (Array.isArray(v)) return v.map(untagged);
  if (v !== null && typeof v === "object") {
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => k !== "__type__")
        .map(([k, x]) => [k, untagged(x)]),
    );
  }
  return v;
}

/** Our SampleResponse in the recorder's form. */
const asRecorded = (r: SampleResponse): Json =>
  JSON.parse(
    JSON.stringify({
      sequences: r.sequences.map((s) => ({
        stop_reason: s.stop_reason,
        tokens: s.tokens,
        logprobs: s.logprobs,
      })),
      prompt_logprobs: r.prompt_logprobs ?? null,
      topk_prompt_logprobs: r.topk_prompt_logprobs ?? null,
      prompt_cache_hit_tokens: r.prompt_cache_hit_tokens ?? 0,
    }),
  ) as Json;

describe("parity v0.25: sampling_proto", () => {
  it("drives all 28 steps", async () => {
    const root = mkdtempSync(join(tmpdir(), "tinker-v025-tok-"));
    dirs.push(root);
    // Only the names 0.25.0 asks for have files (0.4.1 would ask for baseten/Meta-Llama-3-tokenizer).
    writeBpeTokenizer(join(root, "Qwen", "Qwen3-8B"));
    writeBpeTokenizer(join(root, "thinkingmachineslabinc", "meta-llama-3-instruct-tokenizer"));
    // Telemetry on: the failed create_sampling_client is reported (line 33).
    sc = await startScenarioV025("sampling_proto", { telemetry: true }, {});
    sc.setEnv({ TINKER_TOKENIZER_DIR: root, HF_HUB_CACHE: root });
    const meta = loadMetaV025("sampling_proto");
    const callAt = (step: number) => {
      const c = meta.calls.find((x) => x.step === step);
      if (!c) throw new Error(`no step ${step}`);
      return c;
    };
    const expectReturned = (r: SampleResponse, step: number) =>
      expect(asRecorded(r)).toEqual(untagged(callAt(step).returned as Json));
    const prompt = ModelInput.fromInts([101, 102, 103, 104, 105]);
    const service = sc.service();

    const s1 = await service.createSamplingClient({ modelPath: "tinker://run-7:train:0/sampler_weights/s1" });
    expect(s1.samplingSessionId).toBe("sess-1:sample:0");
    expectReturned(
      await s1.sample(prompt, 2, { max_tokens: 16, seed: null, stop: ["\n"], temperature: 0.7 }),
      4,
    );
    expectReturned(await s1.sample(prompt, 1, { max_tokens: 4 }, { includePromptLogprobs: true }), 6);
    expectReturned(
      await s1.sample(prompt, 1, { max_tokens: 4 }, { includePromptLogprobs: true, topkPromptLogprobs: 2 }),
      8,
    );
    expect(await s1.computeLogprobs(prompt)).toEqual(callAt(10).returned);
    expect(await s1.getBaseModel()).toBe(callAt(11).returned);
    const tok1 = await s1.getTokenizer();
    expect(tok1.decode(tok1.encode("hello world"))).toBe("hello world");

    const s2 = await service.createSamplingClient({ baseModel: "meta-llama/Llama-3.1-8B" });
    expect(s2.samplingSessionId).toBe("sess-1:sample:1");
    expectReturned(
      await s2.sample(ModelInput.fromInts([7, 8, 9]), 1, {
        max_tokens: 8,
        seed: 1234,
        stop: [13, 14],
        temperature: 1.0,
        top_k: 50,
        top_p: 0.9,
      }),
      15,
    );
    await s2.getTokenizer(); // thinkingmachineslabinc/meta-llama-3-instruct-tokenizer
    const withImage = new ModelInput([
      { type: "encoded_text", tokens: [1, 2] },
      {
        type: "image",
        data: "iVBORw0KGgoAAgQGCAoMDhASFBYYGhweICIkJigqLC4=",
        format: "png",
        expected_tokens: 4,
        height: 1,
        width: 1,
        tokens: 4,
      },
      { type: "encoded_text", tokens: [3] },
    ]);
    const cached = await s2.sample(withImage, 1, { max_tokens: 2, stop: "\n\n" });
    expectReturned(cached, 18);
    expect(cached.prompt_cache_hit_tokens).toBe(3);

    const training = await service.createLoraTrainingClient("Qwen/Qwen3-8B", {
      rank: 8,
      seed: 7,
      trainUnembed: false,
    });
    const s3 = await training.saveWeightsAndGetSamplingClient();
    expect(s3.samplingSessionId).toBe("sess-1:sample:2");
    expectReturned(await s3.sample(prompt, 1, { max_tokens: 2 }), 22);
    const { path } = await training.saveWeightsForSampler("s2");
    expect(path).toBe("tinker://sess-1:train:0/sampler_weights/s2");
    const s4 = await training.createSamplingClient(path as string);
    expect(s4.samplingSessionId).toBe("sess-1:sample:3");
    expectReturned(await s4.sample(prompt, 3, { max_tokens: 1, temperature: 0.0 }), 27);

    const bad = await service.createSamplingClient({ modelPath: "run-7/sampler_weights/s1" }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(bad).toBeInstanceOf(ValidationError);
    expect((bad as Error).message).toContain("model_path must start with 'tinker://'");
    await service.close(); // delivers the queued telemetry batch
    expect(sc.replay.received.filter((r) => r.line !== undefined).length).toBe(meta.request_count);
    expect(sc.replay.report()).toEqual([]);
  });
});
