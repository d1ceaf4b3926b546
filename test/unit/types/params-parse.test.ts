import { describe, expect, it } from "vitest";
import {
  assertRange,
  datum,
  encodeAdamParams,
  encodeCreateModelRequest,
  encodeCreateSamplingSessionRequest,
  encodeCreateSessionRequest,
  encodeForwardBackwardRequest,
  encodeLoraConfig,
  encodeSampleRequest,
  encodeSamplingParams,
  encodeSaveWeightsForSamplerRequest,
  isRequestFailedResponse,
  isTryAgainResponse,
  ModelInput,
  parseCreateModelResponse,
  parseForwardBackwardOutput,
  parseGetInfoResponse,
  parseObjectWith,
  parseOptimStepResponse,
  parseQueueState,
  parseRequestErrorCategory,
  parseRequestFailedResponse,
  parseSampleResponse,
  parseTryAgainResponse,
  parseUntypedAPIFuture,
  TensorData,
} from "../../../src/types/index.js";
import { fieldOf } from "./field-of.js";

describe("SamplingParams", () => {
  it("keeps only the fields that were set", () => {
    expect(encodeSamplingParams({})).toEqual({});
    expect(encodeSamplingParams()).toEqual({});
    expect(encodeSamplingParams({ stop: "\n\n" })).toEqual({ stop: "\n\n" });
    expect(
      encodeSamplingParams({ max_tokens: 4, seed: 1, stop: [1, 2], temperature: 0, top_k: -1, top_p: 0.9 }),
    ).toEqual({ max_tokens: 4, seed: 1, stop: [1, 2], temperature: 0, top_k: -1, top_p: 0.9 });
    expect(encodeSamplingParams({ max_tokens: null, seed: null, stop: null })).toEqual({
      max_tokens: null,
      seed: null,
      stop: null,
    });
  });

  it("refuses negative max_tokens, bad temperature/top_p/top_k/stop/seed", () => {
    expect(fieldOf(() => encodeSamplingParams({ max_tokens: -1 }))).toBe("sampling_params.max_tokens");
    expect(fieldOf(() => encodeSamplingParams({ max_tokens: 1.5 }))).toBe("sampling_params.max_tokens");
    expect(fieldOf(() => encodeSamplingParams({ temperature: -0.1 }))).toBe("sampling_params.temperature");
    expect(fieldOf(() => encodeSamplingParams({ temperature: Number.NaN }))).toBe(
      "sampling_params.temperature",
    );
    expect(fieldOf(() => encodeSamplingParams({ top_p: 1.5 }))).toBe("sampling_params.top_p");
    expect(fieldOf(() => encodeSamplingParams({ top_p: Number.POSITIVE_INFINITY }))).toBe(
      "sampling_params.top_p",
    );
    expect(fieldOf(() => encodeSamplingParams({ top_k: -2 }))).toBe("sampling_params.top_k");
    expect(fieldOf(() => encodeSamplingParams({ seed: 0.5 }))).toBe("sampling_params.seed");
    expect(fieldOf(() => encodeSamplingParams({ stop: ["a", 1] as never }))).toBe("sampling_params.stop");
    expect(fieldOf(() => encodeSamplingParams({ stop: 5 as never }))).toBe("sampling_params.stop");
    expect(fieldOf(() => encodeSamplingParams(null as never))).toBe("sampling_params");
  });
});

describe("AdamParams and LoraConfig", () => {
  it("AdamParams: only set keys, finite and non-negative", () => {
    expect(encodeAdamParams()).toEqual({});
    expect(encodeAdamParams({ beta2: 0.99 })).toEqual({ beta2: 0.99 });
    expect(fieldOf(() => encodeAdamParams({ learning_rate: Number.NaN }))).toBe("adam_params.learning_rate");
    expect(fieldOf(() => encodeAdamParams({ eps: -1 }))).toBe("adam_params.eps");
  });

  it("LoraConfig: defaults filled in as 0.4.1 sends them", () => {
    expect(encodeLoraConfig({ rank: 8, seed: 3, train_mlp: false })).toEqual({
      rank: 8,
      seed: 3,
      train_unembed: true,
      train_mlp: false,
      train_attn: true,
    });
    expect(fieldOf(() => encodeLoraConfig({ rank: 0 }))).toBe("lora_config.rank");
    expect(fieldOf(() => encodeLoraConfig({ rank: 1.5 }))).toBe("lora_config.rank");
    expect(fieldOf(() => encodeLoraConfig({ rank: 1, seed: 0.5 }))).toBe("lora_config.seed");
    expect(fieldOf(() => encodeLoraConfig({ rank: 1, train_attn: "yes" as never }))).toBe(
      "lora_config.train_attn",
    );
  });
});

describe("request validation", () => {
  const d = datum({
    model_input: ModelInput.fromInts([1]),
    loss_fn_inputs: { target_tokens: [2], weights: [1] },
  });
  it("unknown loss function", () => {
    expect(
      fieldOf(() =>
        encodeForwardBackwardRequest({ data: [d], loss_fn: "mse" as never, model_id: "m", seq_id: 1 }),
      ),
    ).toBe("loss_fn");
  });
  it("non-finite loss_fn_config and bad seq_id", () => {
    expect(
      fieldOf(() =>
        encodeForwardBackwardRequest({
          data: [d],
          loss_fn: "ppo",
          loss_fn_config: { clip_low_threshold: Number.NaN },
          model_id: "m",
          seq_id: 1,
        }),
      ),
    ).toBe("loss_fn_config.clip_low_threshold");
    expect(
      fieldOf(() => encodeForwardBackwardRequest({ data: [d], loss_fn: "ppo", model_id: "m", seq_id: 1.5 })),
    ).toBe("seq_id");
  });
  it("sample: num_samples, topk, prompt tokens", () => {
    const base = { prompt: ModelInput.fromInts([1]), sampling_session_id: "s", seq_id: 0 };
    expect(fieldOf(() => encodeSampleRequest({ ...base, num_samples: 0 }))).toBe("num_samples");
    expect(fieldOf(() => encodeSampleRequest({ ...base, num_samples: 1, topk_prompt_logprobs: -1 }))).toBe(
      "topk_prompt_logprobs",
    );
    expect(
      fieldOf(() =>
        encodeSampleRequest({ ...base, num_samples: 1, prompt: { chunks: [{ tokens: [0.5] }] } }),
      ),
    ).toBe("model_input.chunks[0].tokens[0]");
    expect(
      encodeSampleRequest({
        ...base,
        num_samples: 1,
        prompt_logprobs: true,
        sampling_params: { max_tokens: 1 },
      }),
    ).toMatchObject({ prompt_logprobs: true, topk_prompt_logprobs: 0, sampling_params: { max_tokens: 1 } });
  });
  it("create_* bodies", () => {
    expect(
      fieldOf(() => encodeCreateSamplingSessionRequest({ session_id: "s", sampling_session_seq_id: 0 })),
    ).toBe("model_path");
    expect(encodeCreateSessionRequest({ sdk_version: "x", tags: ["a"], user_metadata: { k: "v" } })).toEqual({
      tags: ["a"],
      user_metadata: { k: "v" },
      sdk_version: "x",
    });
    expect(fieldOf(() => encodeCreateSessionRequest({ sdk_version: "x", tags: [1 as never] }))).toBe(
      "tags[0]",
    );
    expect(
      fieldOf(() =>
        encodeCreateModelRequest({
          session_id: "s",
          model_seq_id: -1,
          base_model: "b",
          lora_config: { rank: 1 },
        }),
      ),
    ).toBe("model_seq_id");
    expect(
      fieldOf(() =>
        encodeSaveWeightsForSamplerRequest({ model_id: "m", sampling_session_seq_id: -1, seq_id: 1 }),
      ),
    ).toBe("sampling_session_seq_id");
  });
  it("assertRange", () => {
    expect(fieldOf(() => assertRange(5, "x", 0, 1))).toBe("x");
  });
});

describe("enums", () => {
  it.each([
    ["user", "user"],
    ["server", "server"],
    ["unknown", "unknown"],
    // 0.4.1's StrEnum lookup is case-sensitive (the seed lower-cases; 0.4.1 wins).
    ["USER", "unknown"],
    ["Server", "unknown"],
    ["bogus", "unknown"],
    ["", "unknown"],
    [null, "unknown"],
    [3, "unknown"],
  ])("parseRequestErrorCategory(%j) = %s", (input, expected) => {
    expect(parseRequestErrorCategory(input)).toBe(expected);
  });
  it("parseQueueState", () => {
    expect(parseQueueState("active")).toBe("active");
    expect(parseQueueState("paused_capacity")).toBe("paused_capacity");
    expect(parseQueueState("paused_rate_limit")).toBe("paused_rate_limit");
    expect(parseQueueState("weird")).toBe("unknown");
  });
});

describe("response parsers", () => {
  it("ForwardBackwardOutput turns loss_fn_outputs into TensorData", () => {
    const out = parseForwardBackwardOutput({
      loss_fn_output_type: "cross_entropy",
      loss_fn_outputs: [{ logprobs: { data: [-0.5, -1], dtype: "float32", shape: [2] } }],
      metrics: { "loss:sum": 1.5 },
    });
    expect(out.loss_fn_outputs[0]?.logprobs).toBeInstanceOf(TensorData);
    expect(out.loss_fn_outputs[0]?.logprobs?.toArray()).toEqual([-0.5, -1]);
    expect(out.metrics).toEqual({ "loss:sum": 1.5 });
    expect(
      fieldOf(() =>
        parseForwardBackwardOutput({
          loss_fn_output_type: "x",
          loss_fn_outputs: [{ logprobs: { data: [1], dtype: "bad" } }],
          metrics: {},
        }),
      ),
    ).toBe("loss_fn_outputs[0].logprobs.dtype");
    expect(
      fieldOf(() =>
        parseForwardBackwardOutput({ loss_fn_output_type: "x", loss_fn_outputs: 1, metrics: {} }),
      ),
    ).toBe("loss_fn_outputs");
    expect(
      fieldOf(() =>
        parseForwardBackwardOutput({ loss_fn_output_type: "x", loss_fn_outputs: [], metrics: { a: "1" } }),
      ),
    ).toBe("metrics.a");
  });

  it("SampleResponse", () => {
    const r = parseSampleResponse({
      sequences: [
        { stop_reason: "stop", tokens: [1, 2], logprobs: [-0.1, -0.2] },
        { stop_reason: "length", tokens: [] },
      ],
      prompt_logprobs: [null, -1.5],
      topk_prompt_logprobs: [null, [[3, -0.5]]],
    });
    expect(r.sequences[0]?.logprobs).toEqual([-0.1, -0.2]);
    expect(r.sequences[1]?.logprobs).toBeNull();
    expect(r.prompt_logprobs).toEqual([null, -1.5]);
    expect(r.topk_prompt_logprobs).toEqual([null, [[3, -0.5]]]);
    expect(fieldOf(() => parseSampleResponse({ sequences: [{ stop_reason: "eos", tokens: [] }] }))).toBe(
      "sequences[0].stop_reason",
    );
    expect(fieldOf(() => parseSampleResponse({ sequences: [{ stop_reason: "stop", tokens: [1.5] }] }))).toBe(
      "sequences[0].tokens[0]",
    );
    expect(fieldOf(() => parseSampleResponse({ sequences: [], prompt_logprobs: ["x"] }))).toBe(
      "prompt_logprobs[0]",
    );
  });

  it("futures: untyped, try_again, failed, create_model, optim, get_info", () => {
    expect(parseUntypedAPIFuture({ request_id: "r", model_id: "m" })).toEqual({
      request_id: "r",
      model_id: "m",
    });
    expect(parseUntypedAPIFuture({ request_id: "r" })).toEqual({ request_id: "r" });
    expect(fieldOf(() => parseUntypedAPIFuture({}))).toBe("request_id");
    expect(isTryAgainResponse({ type: "try_again" })).toBe(true);
    expect(isTryAgainResponse({ type: "sample" })).toBe(false);
    expect(
      parseTryAgainResponse({
        type: "try_again",
        request_id: "r",
        queue_state: "odd",
        queue_state_reason: "x",
      }),
    ).toEqual({
      type: "try_again",
      request_id: "r",
      queue_state: "unknown",
      queue_state_reason: "x",
    });
    expect(isRequestFailedResponse({ error: "e", category: "user" })).toBe(true);
    // 0.4.1 looks only for `error`; a missing category reads as "unknown".
    expect(isRequestFailedResponse({ error: "e" })).toBe(true);
    expect(isRequestFailedResponse({ result: "e" })).toBe(false);
    expect(parseRequestFailedResponse({ error: "boom", category: "weird" })).toEqual({
      error: "boom",
      category: "unknown",
    });
    expect(parseCreateModelResponse({ model_id: "m" })).toEqual({ type: "create_model", model_id: "m" });
    expect(parseOptimStepResponse({})).toEqual({ metrics: null });
    expect(parseOptimStepResponse({ metrics: { a: 1 } })).toEqual({ metrics: { a: 1 } });
    expect(parseGetInfoResponse({ model_id: "m", model_data: {} }).model_id).toBe("m");
    expect(fieldOf(() => parseGetInfoResponse({ model_id: "m" }))).toBe("model_data");
    expect(parseObjectWith<{ path: string }>({ path: "p" }, "SaveWeightsResponse", ["path"]).path).toBe("p");
    expect(fieldOf(() => parseObjectWith({}, "SaveWeightsResponse", ["path"]))).toBe("path");
  });
});
