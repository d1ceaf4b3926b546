/**
 * Parity v0.25 `training_zstd` (facts 6–7, 14): with `proto_compress_fwdbwd` on, forward_backward
 * and forward go out as zstd frames of the protobuf message. The data has typed-array ("numpy")
 * inputs — int32 targets sent as INT64, float64 weights as FLOAT32 — a [2,3] tensor, an image chunk
 * with expected_tokens between text chunks and one without. An ImageAssetPointerChunk has no
 * protobuf form: its forward_backward fails while encoding, nothing is sent, its seq_id (4) is used
 * up, so the next optim_step is seq 5.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ValidationError } from "../../src/errors/index.js";
import type { Datum } from "../../src/types/datum.js";
import { type ModelInputChunk, ModelInput } from "../../src/types/model-input.js";
import { TensorData } from "../../src/types/tensor-data.js";
import type { Json } from "../parity/golden.js";
import { plain } from "../parity/sdk.js";
import { loadMetaV025, type MetaV025 } from "./golden.js";
import { type ScenarioV025Run, startScenarioV025 } from "./scenario.js";

let sc: ScenarioV025Run | undefined;
afterEach(async () => {
  await sc?.dispose();
  sc = undefined;
});

type MetaChunk = {
  type: string;
  tokens?: number[];
  data?: string;
  format?: "png" | "jpeg";
  location?: string;
  expected_tokens?: number | null;
};
type MetaTensor = { data: number[]; dtype: "int64" | "float32"; shape: number[] };

/** A recorded chunk as ours; images get a 1×1 size and `tokens` = expected_tokens (0 when unset). */
function chunkOf(c: MetaChunk): ModelInputChunk {
  if (c.type === "encoded_text") return { type: "encoded_text", tokens: c.tokens as number[] };
  const size = { height: 1, width: 1, tokens: c.expected_tokens ?? 0 };
  if (c.type === "image") {
    return {
      type: "image",
      data: c.data as string,
      format: c.format as "png",
      expected_tokens: c.expected_tokens,
      ...size,
    };
  }
  return {
    type: "image_asset_pointer",
    location: c.location as string,
    format: c.format as "png",
    expected_tokens: c.expected_tokens,
    ...size,
  };
}

/** The recorded data as ours, with numpy-like typed arrays: int64 from Int32Array, float32 from Float64Array. */
function dataOf(meta: MetaV025, step: number): Datum[] {
  const data = meta.calls.find((c) => c.step === step)?.kwargs?.["data"] as Json[] | undefined;
  if (!data) throw new Error(`step ${step}: no data`);
  return data.map((d) => {
    const dd = d as unknown as {
      model_input: { chunks: MetaChunk[] };
      loss_fn_inputs: Record<string, MetaTensor>;
    };
    const inputs: Record<string, TensorData> = {};
    for (const [k, t] of Object.entries(dd.loss_fn_inputs)) {
      // fromTypedArray: Int32Array → int64, Float64Array → float32, as the SDK converts numpy arrays.
      inputs[k] = TensorData.fromTypedArray(
        t.dtype === "int64" ? Int32Array.from(t.data) : Float64Array.from(t.data),
        t.shape,
      );
    }
    return { model_input: new ModelInput(dd.model_input.chunks.map(chunkOf)), loss_fn_inputs: inputs };
  });
}

const untagged = (v: Json): Json =>
  Array.isArray(v)
    ? v.map(untagged)
    : v !== null && typeof v === "object"
      ? Object.fromEntries(
          Object.entries(v)
            .filter(([k]) => k !== "__type__")
            .map(([k, x]) => [k, untagged(x)]),
        )
      : v;

describe("parity v0.25: training_zstd", () => {
  it("drives all 12 steps", async () => {
    // Telemetry on: the asset-pointer failure is reported (line 13).
    sc = await startScenarioV025("training_zstd", { telemetry: true }, {});
    const meta = loadMetaV025("training_zstd");
    const returned = (step: number) => untagged(meta.calls.find((c) => c.step === step)?.returned as Json);
    const service = sc.service();
    const training = await service.createLoraTrainingClient("Qwen/Qwen3-VL-30B-A3B-Instruct", { rank: 8 });
    expect(training.modelId).toBe("sess-1:train:0");
    const out1 = await training.forwardBackward(dataOf(meta, 3), "cross_entropy");
    expect(plain(out1)).toEqual(returned(4));
    const out2 = await training.forward(dataOf(meta, 5), "cross_entropy");
    expect(plain(out2)).toEqual(returned(6));
    // The recorded datums lack logprobs/advantages, which tinker-ts's own check requires for this loss.
    const out3 = await training.forwardBackward(dataOf(meta, 7), "importance_sampling", {
      skipInputChecks: true,
    });
    expect(plain(out3)).toEqual(returned(8));

    const sent = sc.replay.received.length;
    const failed = await training.forwardBackward(dataOf(meta, 9), "cross_entropy").then(
      () => null,
      (e: unknown) => e,
    );
    expect(failed).toBeInstanceOf(ValidationError);
    expect(String((failed as Error).message)).toMatch(/image_asset_pointer/);
    expect(sc.replay.received.filter((r) => r.line?.path === "/api/v1/forward_backward").length).toBe(3);
    expect(sc.replay.received.length).toBeLessThanOrEqual(sent + 1); // at most the telemetry batch
    expect(training.nextSeqId).toBe(5);
    const opt = await training.optimStep({
      learning_rate: 3e-5,
      beta1: 0.9,
      beta2: 0.95,
      eps: 1e-12,
      weight_decay: 0.0,
      grad_clip_norm: 0.0,
    });
    expect(plain(opt)).toEqual(returned(12));
    await service.close(); // delivers the queued telemetry
    expect(sc.replay.received.filter((r) => r.line !== undefined).length).toBe(meta.request_count);
    expect(sc.replay.report()).toEqual([]);
  });
});
