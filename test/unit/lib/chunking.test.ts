import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type CountableDatum,
  chunkData,
  chunkDatums,
  datumNumberCount,
  MAX_CHUNK_LEN,
  MAX_CHUNK_NUMBER_COUNT,
} from "../../../src/lib/chunking.js";

/** A datum with `tokens` prompt tokens and one `target_tokens` tensor of `targets` numbers. */
function datum(tokens: number, targets = 0): CountableDatum {
  return {
    model_input: { chunks: [{ type: "encoded_text", tokens: new Array<number>(tokens).fill(1) }] },
    loss_fn_inputs: targets > 0 ? { target_tokens: { data: new Array<number>(targets).fill(0) } } : {},
  };
}

describe("datumNumberCount (0.4.1 _estimate_number_count)", () => {
  it("counts model input tokens plus the flat data length of every loss_fn_inputs tensor", () => {
    const d: CountableDatum = {
      model_input: {
        chunks: [
          { type: "encoded_text", tokens: [1, 2, 3] },
          { type: "image", tokens: 10 }, // 0.4.1 image chunks count their declared `tokens`
          { type: "image_asset_pointer", expected_tokens: 4 },
          { type: "encoded_text", tokens: new Int32Array(2) },
        ],
      },
      loss_fn_inputs: {
        weights: { data: new Float32Array(5) },
        target_tokens: { data: [1, 2, 3, 4, 5] },
        advantages: { data: [] },
      },
    };
    expect(datumNumberCount(d)).toBe(3 + 10 + 4 + 2 + 5 + 5);
  });

  it("uses a model input's own length when it has one (e.g. the ModelInput class)", () => {
    expect(datumNumberCount({ model_input: { length: 7 }, loss_fn_inputs: { x: { data: [1, 2] } } })).toBe(9);
  });

  it("refuses a chunk without any token count", () => {
    expect(() =>
      datumNumberCount({ model_input: { chunks: [{ type: "image" }] }, loss_fn_inputs: {} }),
    ).toThrow(/image/);
  });
});

describe("chunkData (0.4.1 _chunked_requests_generator)", () => {
  const sizes = (chunks: CountableDatum[][]) => chunks.map((c) => c.length);

  it("no data gives no chunks", () => {
    expect(chunkDatums([])).toEqual([]);
  });

  it("at most 128 datums per chunk", () => {
    expect(MAX_CHUNK_LEN).toBe(128);
    const data = Array.from({ length: 300 }, () => datum(1, 1));
    expect(sizes(chunkDatums(data))).toEqual([128, 128, 44]);
    expect(sizes(chunkDatums(data.slice(0, 128)))).toEqual([128]);
    expect(sizes(chunkDatums(data.slice(0, 129)))).toEqual([128, 1]);
  });

  it("a chunk may hold exactly 500,000 numbers; one more starts a new chunk", () => {
    expect(MAX_CHUNK_NUMBER_COUNT).toBe(500_000);
    expect(sizes(chunkDatums([datum(200_000, 50_000), datum(250_000)]))).toEqual([2]);
    expect(sizes(chunkDatums([datum(200_000, 50_000), datum(250_000, 1)]))).toEqual([1, 1]);
  });

  it("a single datum above the limit goes alone and is not rejected", () => {
    expect(sizes(chunkDatums([datum(1), datum(600_000), datum(1), datum(1)]))).toEqual([1, 1, 2]);
  });

  it("is greedy: it never looks ahead to pack better", () => {
    const counts = [300_000, 300_000, 100_000, 200_000];
    expect(chunkData(counts, (n) => n)).toEqual([[300_000], [300_000, 100_000], [200_000]]);
  });

  it("accepts custom limits", () => {
    expect(chunkData([1, 1, 1, 1, 1], (n) => n, { maxChunkLen: 2 })).toEqual([[1, 1], [1, 1], [1]]);
    expect(chunkData([2, 2, 2], (n) => n, { maxChunkNumberCount: 4 })).toEqual([[2, 2], [2]]);
  });
});

describe("chunking properties", () => {
  const counts = fc.array(fc.integer({ min: 0, max: 700_000 }), { maxLength: 400 });

  it("concatenating the chunks gives the input; no chunk is empty; every chunk is within limits", () => {
    fc.assert(
      fc.property(counts, (data) => {
        const items = data.map((n, i) => ({ n, i }));
        const chunks = chunkData(items, (x) => x.n);
        expect(chunks.flat()).toEqual(items);
        for (const c of chunks) {
          expect(c.length).toBeGreaterThan(0);
          expect(c.length).toBeLessThanOrEqual(MAX_CHUNK_LEN);
          const total = c.reduce((s, x) => s + x.n, 0);
          // Only a lone oversized datum may exceed the number limit.
          if (c.length > 1) expect(total).toBeLessThanOrEqual(MAX_CHUNK_NUMBER_COUNT);
        }
      }),
      { seed: 42, numRuns: 200 },
    );
  });

  it("greedy maximality: each chunk could not take the next chunk's first datum", () => {
    fc.assert(
      fc.property(counts, (data) => {
        const chunks = chunkData(data, (n) => n);
        for (let k = 0; k + 1 < chunks.length; k++) {
          const c = chunks[k] as number[];
          const next = (chunks[k + 1] as number[])[0] as number;
          const full = c.length === MAX_CHUNK_LEN;
          const over = c.reduce((s, n) => s + n, 0) + next > MAX_CHUNK_NUMBER_COUNT;
          expect(full || over).toBe(true);
        }
      }),
      { seed: 7, numRuns: 200 },
    );
  });
});
