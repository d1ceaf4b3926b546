/**
 * Untyped chunks (0.4.1's JSON leaves `type` out; an image carries a `tokens` count too) are told
 * apart by one classifier, and the 0.25.0 codec sends them as the SDK does: the image lines of
 * training_zstd:7 (protobuf) and sampling_proto:20 (JSON asample).
 */
import { describe, expect, it } from "vitest";
import { ValidationError } from "../../src/errors/index.js";
import { ModelInput, TensorData } from "../../src/index.js";
import { jsonBodyV025 } from "../../src/protocol/json-body-v0_25.js";
import { canonicalSha256, decodeToDisplay } from "../../src/protocol/v0_25/codec.js";
import { makeCodecV025 } from "../../src/protocol/v0_25/codec-0_25.js";
import { estimateSampleBytes } from "../../src/lib/proto-size.js";
import { encodeSampleRequest } from "../../src/types/requests.js";
import { chunkTypeOf } from "../../src/types/model-input.js";
import type { Json } from "../parity-v0.25/golden.js";
import { line } from "./helpers.js";

const image = (data: string, format: "png" | "jpeg", expected?: number) =>
  ({
    type: "image",
    data,
    format,
    height: 1,
    width: 1,
    tokens: expected ?? 3,
    ...(expected !== undefined ? { expected_tokens: expected } : {}),
  }) as const;

describe("chunkTypeOf", () => {
  it("an image's `tokens` count does not make it text; fields decide when `type` is absent", () => {
    expect(chunkTypeOf({ data: "AQID", format: "png", height: 1, tokens: 4, width: 1 })).toBe("image");
    expect(chunkTypeOf({ format: "png", location: "s3://x", tokens: 4 })).toBe("image_asset_pointer");
    expect(chunkTypeOf({ tokens: [1, 2] })).toBe("encoded_text");
    expect(chunkTypeOf({ tokens: Int32Array.of(1) })).toBe("encoded_text");
    expect(chunkTypeOf({ tokens: 4 })).toBeUndefined();
    expect(chunkTypeOf({ type: "image", tokens: [1] })).toBe("image");
  });

  it("the JSON rule types an untyped image (0.25 shape) as an image, not text", () => {
    const chunks = [{ tokens: [1] }, { data: "AQID", format: "png", expected_tokens: 2 }];
    expect(jsonBodyV025("model_input", { chunks })).toEqual({
      chunks: [
        { tokens: [1], type: "encoded_text" },
        { data: "AQID", format: "png", expected_tokens: 2, type: "image" },
      ],
    });
  });
});

describe("0.25 codec on 0.4.1-style untyped chunks", () => {
  it("asample: sampling_proto:20's body (image as data/format/expected_tokens, typed)", () => {
    const l = line("sampling_proto", 20);
    const img = "iVBORw0KGgoAAgQGCAoMDhASFBYYGhweICIkJigqLC4=";
    const prompt = new ModelInput([
      { type: "encoded_text", tokens: [1, 2] },
      image(img, "png", 4),
      { type: "encoded_text", tokens: [3] },
    ]).toJSON();
    expect(prompt.chunks.every((c) => !("type" in c))).toBe(true);
    const msg = encodeSampleRequest({
      num_samples: 1,
      prompt,
      sampling_params: { max_tokens: 2, stop: "\n\n" },
      sampling_session_id: "sess-1:sample:1",
      seq_id: 1,
    });
    const { body } = makeCodecV025().asample.encode(msg);
    expect(JSON.parse(body as string)).toEqual(l.body);
    // The dispatch estimate counts the image by its bytes, not as tokens.
    expect(estimateSampleBytes(prompt)).toBe(3 * 10 + Buffer.from(img, "base64").byteLength);
  });

  it("forward_backward: training_zstd:7's protobuf message from untyped chunks", () => {
    const l = line("training_zstd", 7);
    const body = l.body as { data: { model_input: { image?: { data: { base64: string } } }[] }[] };
    const png = body.data[2]?.model_input[1]?.image?.data.base64 as string;
    const jpeg = body.data[3]?.model_input[0]?.image?.data.base64 as string;
    const datum = (chunks: ModelInput, loss_fn_inputs: Record<string, TensorData>) => ({
      model_input: chunks.toJSON(),
      loss_fn_inputs,
    });
    const data = [
      datum(ModelInput.fromInts([5, 6, 7, 8]), {
        target_tokens: TensorData.fromArray([6, 7, 8, 9], "int64", [4]),
        weights: TensorData.fromArray([0, 0.5, 1, 1], "float32", [4]),
      }),
      datum(ModelInput.fromInts([1, 2, 3, 4, 5, 6]), {
        target_tokens: TensorData.fromArray([2, 3, 4, 5, 6, 7], "int64", [2, 3]),
        weights: TensorData.fromArray([1, 1, 1, 0.25, 0.25, 0.25], "float32", [2, 3]),
      }),
      datum(
        new ModelInput([
          { type: "encoded_text", tokens: [100, 101] },
          image(png, "png", 4),
          { type: "encoded_text", tokens: [102] },
        ]),
        {
          target_tokens: TensorData.fromArray([0, 0, 0, 0, 0, 0, 103], "int64"),
          weights: TensorData.fromArray([0, 0, 0, 0, 0, 0, 1], "float32"),
        },
      ),
      datum(new ModelInput([image(jpeg, "jpeg"), { type: "encoded_text", tokens: [7] }]), {
        target_tokens: TensorData.fromArray([8], "int64"),
      }),
    ];
    const { body: bytes } = makeCodecV025().forward_backward.encode({
      model_id: "sess-1:train:0",
      seq_id: 1,
      forward_backward_input: { data, loss_fn: "cross_entropy" },
    } as never);
    const b = bytes as Uint8Array;
    expect(decodeToDisplay("tinker_public.ForwardBackwardRequest", b)).toEqual(l.body as Json);
    expect(canonicalSha256("tinker_public.ForwardBackwardRequest", b)).toBe(l.body_proto_canonical_sha256);
  });

  it("a chunk of no known kind is a ValidationError before anything is sent", () => {
    expect(() =>
      makeCodecV025().forward_backward.encode({
        model_id: "m",
        seq_id: 1,
        forward_backward_input: {
          data: [{ model_input: { chunks: [{ tokens: 4 }] }, loss_fn_inputs: {} }],
          loss_fn: "cross_entropy",
        },
      } as never),
    ).toThrow(ValidationError);
  });
});
