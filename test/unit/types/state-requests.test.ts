/**
 * The checkpoint request messages of both generations (ttl_seconds / overwrite / optimizer /
 * create-via-load addressing), 0.25.0's chunk shape in asample, its tokenizer naming rules, and
 * the weights_info parser.
 */
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../../src/errors/index.js";
import { makeCodecV025 } from "../../../src/protocol/v0_25/codec-0_25.js";
import { resolveTokenizerId } from "../../../src/tokenizer/resolve.js";
import { JSON_CODEC } from "../../../src/types/codec.js";
import { ModelInput } from "../../../src/types/model-input.js";
import { RESPONSES } from "../../../src/types/parse.js";
import {
  encodeLoadWeightsRequest,
  encodeSampleRequest,
  encodeSaveWeightsForSamplerRequest,
  encodeSaveWeightsRequest,
} from "../../../src/types/requests.js";

const v025 = makeCodecV025();
const body = (b: { body: string | Uint8Array }) => JSON.parse(String(b.body));

describe("save_weights / load_weights / save_weights_for_sampler messages", () => {
  it("0.4.1 JSON sends only what was set; 0.25.0 fills overwrite and optimizer", () => {
    const plain = encodeSaveWeightsRequest({ model_id: "m", path: "a", seq_id: 2 });
    expect(JSON_CODEC.save_weights.encode(plain).body).toBe('{"model_id":"m","path":"a","seq_id":2}');
    expect(body(v025.save_weights.encode(plain))).toEqual({
      model_id: "m",
      path: "a",
      seq_id: 2,
      overwrite: false,
      type: "save_weights",
    });
    const ttl = encodeSaveWeightsRequest({
      model_id: "m",
      path: "a",
      seq_id: 2,
      ttl_seconds: 60,
      overwrite: true,
    });
    expect(body(JSON_CODEC.save_weights.encode(ttl))).toEqual({
      model_id: "m",
      path: "a",
      seq_id: 2,
      ttl_seconds: 60,
      overwrite: true,
    });
    const load = encodeLoadWeightsRequest({ model_id: "m", path: "tinker://r/weights/a", seq_id: 3 });
    expect(JSON_CODEC.load_weights.encode(load).body).toBe(
      '{"model_id":"m","path":"tinker://r/weights/a","seq_id":3}',
    );
    expect(body(v025.load_weights.encode(load)).optimizer).toBe(false);
    const withOpt = encodeLoadWeightsRequest({ model_id: "m", path: "p", seq_id: 3, optimizer: true });
    expect(body(v025.load_weights.encode(withOpt)).optimizer).toBe(true);
    expect(
      body(
        v025.save_weights_for_sampler.encode(
          encodeSaveWeightsForSamplerRequest({ model_id: "m", path: "s", seq_id: 4, ttl_seconds: 600 }),
        ),
      ),
    ).toEqual({ model_id: "m", path: "s", seq_id: 4, ttl_seconds: 600, type: "save_weights_for_sampler" });
  });

  it("create-via-load addressing: session_id + model_seq_id, no model_id", () => {
    const m = encodeLoadWeightsRequest({
      session_id: "sess-2",
      model_seq_id: 1,
      base_model: "B",
      user_metadata: { via: "load" },
      path: "tinker://r/weights/a",
      optimizer: true,
      weights_access_token: null,
    });
    expect(body(v025.load_weights.encode(m))).toEqual({
      session_id: "sess-2",
      model_seq_id: 1,
      base_model: "B",
      user_metadata: { via: "load" },
      path: "tinker://r/weights/a",
      optimizer: true,
      type: "load_weights",
    });
    expect(() => encodeLoadWeightsRequest({ path: "p" })).toThrow(ValidationError);
  });

  it("bad TTLs and overwrite values are ValidationErrors", () => {
    for (const ttl of [0, -5, 1.5, Number.NaN]) {
      expect(() =>
        encodeSaveWeightsRequest({ model_id: "m", path: "a", seq_id: 1, ttl_seconds: ttl }),
      ).toThrow(ValidationError);
      expect(() =>
        encodeSaveWeightsForSamplerRequest({ model_id: "m", seq_id: 1, ttl_seconds: ttl }),
      ).toThrow(ValidationError);
    }
    expect(() =>
      encodeSaveWeightsRequest({
        model_id: "m",
        path: "a",
        seq_id: 1,
        overwrite: "yes" as unknown as boolean,
      }),
    ).toThrow(ValidationError);
  });
});

describe("0.25.0 asample chunks", () => {
  it("images go as {data, format, expected_tokens, type}; 0.4.1 keeps its sized form", () => {
    const prompt = new ModelInput([
      { type: "encoded_text", tokens: [1] },
      { type: "image", data: "AAEC", format: "png", expected_tokens: 4, height: 2, width: 2, tokens: 4 },
      {
        type: "image_asset_pointer",
        location: "gs://b/x.png",
        format: "png",
        height: 1,
        width: 1,
        tokens: 3,
      },
    ]);
    const msg = encodeSampleRequest({ num_samples: 1, prompt, sampling_session_id: "s", seq_id: 0 });
    expect(body(v025.asample.encode(msg)).prompt.chunks).toEqual([
      { tokens: [1], type: "encoded_text" },
      { data: "AAEC", format: "png", expected_tokens: 4, type: "image" },
      { format: "png", location: "gs://b/x.png", type: "image_asset_pointer" },
    ]);
    expect(body(JSON_CODEC.asample.encode(msg)).prompt.chunks[1]).toEqual({
      data: "AAEC",
      format: "png",
      height: 2,
      tokens: 4,
      width: 2,
      expected_tokens: 4,
    });
  });
});

describe("tokenizer naming", () => {
  it("0.25.0 cuts ':' suffixes and maps Llama-3 and Kimi as that SDK does; 0.4.1 unchanged", () => {
    expect(resolveTokenizerId("Qwen/Qwen3-8B", "Qwen/Qwen3-8B:tok-v2", "0.25.0")).toEqual({
      tokenizerId: "Qwen/Qwen3-8B",
    });
    expect(resolveTokenizerId("Qwen/Qwen3-8B", "Qwen/Qwen3-8B:tok-v2")).toEqual({
      tokenizerId: "Qwen/Qwen3-8B:tok-v2",
    });
    expect(resolveTokenizerId("meta-llama/Llama-3.1-8B", null, "0.25.0").tokenizerId).toBe(
      "thinkingmachineslabinc/meta-llama-3-instruct-tokenizer",
    );
    expect(resolveTokenizerId("meta-llama/Llama-3.1-8B", null).tokenizerId).toBe(
      "baseten/Meta-Llama-3-tokenizer",
    );
    expect(resolveTokenizerId("org/model/variant:v1", null, "0.25.0").tokenizerId).toBe("org/model");
    expect(resolveTokenizerId("moonshotai/Kimi-K2.5-Text-Only", null, "0.25.0")).toEqual({
      tokenizerId: "moonshotai/Kimi-K2.5",
      revision: "4d01dfe0332d63057c186e0b262165819efb6611",
    });
    expect(resolveTokenizerId("tinker-ts/tiny-lm:x", null, "0.25.0").tokenizerId).toBe(
      "tinker-ts/byte-level",
    );
  });
});

describe("weights_info answers", () => {
  it("parses the LoRA settings and refuses a wrong shape", () => {
    const info = { base_model: "B", is_lora: true, lora_rank: 16, train_unembed: false, train_mlp: null };
    expect(RESPONSES.weightsInfo(info)).toEqual(info);
    expect(() => RESPONSES.weightsInfo({ is_lora: true })).toThrow(/base_model/);
    expect(() => RESPONSES.weightsInfo({ base_model: "B", is_lora: true, train_mlp: "yes" })).toThrow(
      /train_mlp/,
    );
  });
});
