/** Protobuf results → the SDK's result objects, against what the Python SDK returned (meta files). */
import { describe, expect, it } from "vitest";
import { encodeFromDisplay } from "../../src/protocol/v0_25/codec.js";
import {
  forwardBackwardOutputToPb,
  parseForwardBackwardOutputPb,
  parseSampleResponsePb,
  sampleResponseToPb,
} from "../../src/protocol/v0_25/results.js";
import { encodeSampleResponse } from "../../src/protocol/v0_25/sample-response.js";
import { encodeForwardBackwardOutput } from "../../src/protocol/v0_25/forward-backward-output.js";
import type { Json } from "../parity-v0.25/golden.js";
import { line, returned, untyped } from "./helpers.js";

const bytesOf = (name: Parameters<typeof line>[0], seq: number) =>
  encodeFromDisplay(line(name, seq).response.body as { [k: string]: Json });

describe("ForwardBackwardOutput", () => {
  it("training_proto:9 → the result of meta step 5 (bare type name, per-datum shapes)", () => {
    const out = parseForwardBackwardOutputPb(bytesOf("training_proto", 9));
    expect(JSON.parse(JSON.stringify(out))).toEqual(untyped(returned("training_proto", 5)));
  });

  it("an output without records keeps its type or says ArrayRecord", () => {
    const out = parseForwardBackwardOutputPb(encodeForwardBackwardOutput({ metrics: { "loss:sum": 1 } }));
    expect(out).toEqual({
      loss_fn_output_type: "ArrayRecord",
      loss_fn_outputs: [],
      metrics: { "loss:sum": 1 },
    });
  });

  it("trailing_shape gives each datum [elements / prod(trailing), ...trailing]", () => {
    const bytes = encodeForwardBackwardOutput(
      forwardBackwardOutputToPb({
        loss_fn_output_type: "x:ArrayRecord",
        loss_fn_outputs: [
          { v: { data: [1, 2, 3, 4, 5, 6], dtype: "float32", shape: [3, 2] } },
          { v: { data: [7, 8], dtype: "float32", shape: [1, 2] } },
        ],
        metrics: {},
      }),
    );
    const out = parseForwardBackwardOutputPb(bytes);
    expect(out.loss_fn_outputs.map((d) => d.v?.shape)).toEqual([
      [3, 2],
      [1, 2],
    ]);
    expect(out.loss_fn_outputs[1]?.v?.data).toEqual([7, 8]);
  });

  it("the emulator-side builder reproduces the recorded bytes of training_proto:9", () => {
    const recorded = line("training_proto", 9).response;
    const sdk = parseForwardBackwardOutputPb(bytesOf("training_proto", 9));
    const again = encodeForwardBackwardOutput(
      forwardBackwardOutputToPb({ ...sdk, loss_fn_output_type: "golden.fake_server:ArrayRecord" }),
    );
    expect(again.byteLength).toBe(recorded.body_bytes);
  });
});

describe("SampleResponse", () => {
  it("sampling_proto:11 (NaN prompt logprob, masked top-k row) → meta step 8", () => {
    const out = parseSampleResponsePb(bytesOf("sampling_proto", 11));
    expect(out).toEqual(untyped(returned("sampling_proto", 8)));
  });

  it("sampling_proto:21 → prompt_cache_hit_tokens 3 (meta step 18)", () => {
    expect(parseSampleResponsePb(bytesOf("sampling_proto", 21))).toEqual(
      untyped(returned("sampling_proto", 18)),
    );
  });

  it("every sampling_proto response decodes to what the SDK returned", () => {
    // Protobuf responses ↔ the `sample_future.result` steps (line 13 answers compute_logprobs).
    const pairs = [
      [7, 4],
      [9, 6],
      [11, 8],
      [18, 15],
      [21, 18],
      [27, 22],
      [32, 27],
    ] as const;
    for (const [seq, step] of pairs) {
      expect(line("sampling_proto", seq).response.body_format).toBe("protobuf");
      expect(parseSampleResponsePb(bytesOf("sampling_proto", seq)), `seq ${seq}`).toEqual(
        untyped(returned("sampling_proto", step)),
      );
    }
  });

  it("sampleResponseToPb inverts the conversion (null → NaN, top-k padded with the mask)", () => {
    const sdk = parseSampleResponsePb(bytesOf("sampling_proto", 11));
    const bytes = encodeSampleResponse(sampleResponseToPb(sdk));
    expect(Buffer.from(bytes).equals(Buffer.from(bytesOf("sampling_proto", 11)))).toBe(true);
  });

  it("an unknown stop_reason is refused", () => {
    const bytes = encodeSampleResponse({ sequences: [{ stop_reason: 7, tokens: new Uint8Array(4) }] });
    expect(() => parseSampleResponsePb(bytes)).toThrow(/stop_reason/);
  });
});
