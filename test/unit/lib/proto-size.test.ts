import { describe, expect, it } from "vitest";
import { chunkDatums, planChunks } from "../../../src/lib/chunking.js";
import {
  type EstimableDatum,
  estimateDatumProtoBytes,
  estimateSampleBytes,
  estimateTensorProtoBytes,
} from "../../../src/lib/proto-size.js";

/** A text datum: `n` tokens, `n` int64 targets and, if asked, `n` float32 weights. */
function text(n: number, weights = true): EstimableDatum {
  const loss_fn_inputs: EstimableDatum["loss_fn_inputs"] = {
    target_tokens: { data: new Array<number>(n).fill(1), dtype: "int64" },
    ...(weights ? { weights: { data: new Float32Array(n).fill(1), dtype: "float32" } } : {}),
  };
  return { model_input: { chunks: [{ type: "encoded_text", tokens: new Int32Array(n) }] }, loss_fn_inputs };
}

const sizes = (chunks: readonly unknown[][]) => chunks.map((c) => c.length);
const V025 = { measure: "proto-bytes", maxChunkLen: 1024, maxChunkMeasure: 5_000_000 } as const;

describe("estimateDatumProtoBytes (0.25.0 _estimate_datum_bytes_count_proto, fact 11)", () => {
  it("text tokens x4, int64 x8, float32 x4: the golden datums", () => {
    expect(estimateDatumProtoBytes(text(3))).toBe(48); // chunking_serial A
    expect(estimateDatumProtoBytes(text(5))).toBe(80); // chunking_serial B
    expect(estimateDatumProtoBytes(text(10, false))).toBe(120); // chunking_serial C
    expect(estimateDatumProtoBytes(text(20))).toBe(320); // chunking_serial D
    expect(estimateDatumProtoBytes(text(156_250))).toBe(2_500_000); // chunking B: 16 x 156 250
  });

  it("images count their bytes (raw or base64), pointers their location, dmel its bytes", () => {
    const image = (data: string | Uint8Array): EstimableDatum => ({
      model_input: { chunks: [{ type: "image", data }] },
      loss_fn_inputs: {},
    });
    expect(estimateDatumProtoBytes(image(new Uint8Array(7)))).toBe(7);
    for (const n of [1, 2, 3, 10]) {
      expect(estimateDatumProtoBytes(image(Buffer.alloc(n, 255).toString("base64")))).toBe(n);
    }
    // 0.4.1's JSON chunks have no `type`: an image is the chunk with `data` (its `tokens` is a count).
    const untypedImage: EstimableDatum = {
      model_input: { chunks: [{ data: Buffer.alloc(9).toString("base64"), tokens: 4 }] },
      loss_fn_inputs: {},
    };
    expect(estimateDatumProtoBytes(untypedImage)).toBe(9);
    const pointer: EstimableDatum = {
      model_input: { chunks: [{ location: "s3://bucket/img.png", tokens: 4 }, { tokens: [1, 2] }] },
      loss_fn_inputs: {},
    };
    expect(estimateDatumProtoBytes(pointer)).toBe("s3://bucket/img.png".length + 8);
    const dmel: EstimableDatum = {
      model_input: { chunks: [{ type: "dmel", dmel: new Uint8Array(5) }] },
      loss_fn_inputs: {},
    };
    expect(estimateDatumProtoBytes(dmel)).toBe(5);
  });

  it("a sparse tensor adds 8 bytes per crow and col index", () => {
    const t = {
      data: [1, 2, 3],
      dtype: "float32",
      sparse_crow_indices: [0, 1, 3],
      sparse_col_indices: [0, 0, 1],
    };
    expect(estimateTensorProtoBytes(t)).toBe(3 * 4 + 6 * 8);
    expect(estimateTensorProtoBytes({ ...t, dtype: "int64" })).toBe(3 * 8 + 6 * 8);
  });
});

describe("estimateSampleBytes (0.25.0 estimate_bytes_count_in_model_input)", () => {
  it("text tokens x10, images by their bytes", () => {
    expect(estimateSampleBytes({ chunks: [{ type: "encoded_text", tokens: [1, 2, 3] }] })).toBe(30); // budgets B
    expect(
      estimateSampleBytes({
        chunks: [
          { type: "encoded_text", tokens: [1] },
          { type: "image", data: Buffer.alloc(6).toString("base64") },
        ],
      }),
    ).toBe(16);
  });
});

describe("planChunks", () => {
  it("0.25.0 defaults: 1025 datums → 1024 + 1; [a, b] of 2 500 000 each fit the inclusive cap, tiny goes next", () => {
    const small = Array.from({ length: 1025 }, () => text(2));
    expect(sizes(planChunks(small, V025).chunks)).toEqual([1024, 1]);
    const a = text(156_250);
    const tiny = text(2, false);
    const plan = planChunks([a, a, tiny], V025);
    expect(sizes(plan.chunks)).toEqual([2, 1]);
    expect(plan.measures).toEqual([5_000_000, 24]);
  });

  it("server caps 3 datums / 200 bytes: 3/3/1, 2/2/1, 80 + 120 in one chunk, an oversized datum alone", () => {
    const caps = { measure: "proto-bytes", maxChunkLen: 3, maxChunkMeasure: 200 } as const;
    expect(
      sizes(
        planChunks(
          Array.from({ length: 7 }, () => text(3)),
          caps,
        ).chunks,
      ),
    ).toEqual([3, 3, 1]);
    expect(
      sizes(
        planChunks(
          Array.from({ length: 5 }, () => text(5)),
          caps,
        ).chunks,
      ),
    ).toEqual([2, 2, 1]);
    expect(sizes(planChunks([text(5), text(10, false), text(5)], caps).chunks)).toEqual([2, 1]);
    const d = planChunks([text(5), text(20), text(5)], caps);
    expect(sizes(d.chunks)).toEqual([1, 1, 1]);
    expect(d.measures).toEqual([80, 320, 80]);
  });

  it("measured in numbers it is 0.4.1's chunkDatums", () => {
    const data = Array.from({ length: 300 }, (_, i) => text((i * 37) % 3000));
    const v041 = { measure: "numbers", maxChunkLen: 128, maxChunkMeasure: 500_000 } as const;
    expect(planChunks(data, v041).chunks).toEqual(chunkDatums(data));
  });
});
