import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ChunkResult,
  combineForwardBackwardOutputs,
  MetricsReductionError,
  numpySum,
  reduceMetrics,
} from "../../../src/lib/metrics.js";

/** One chunk result with `n` dummy outputs, like the Python test helper. */
function fbo(metrics: Record<string, number>, n = 1): ChunkResult<{ loss: number }> {
  return {
    loss_fn_output_type: "test",
    metrics,
    loss_fn_outputs: Array.from({ length: n }, (_, i) => ({ loss: i })),
  };
}
const reduce = (results: ChunkResult[]) => combineForwardBackwardOutputs(results).metrics;

describe("metrics reduction: the cases of 0.4.1 tests/test_chunked_fwdbwd_helpers.py", () => {
  it("unique, single result", () => {
    expect(reduce([fbo({ "clock_cycle:unique": 12345 })])).toEqual({ "clock_cycle:unique": 12345 });
  });

  it("unique, several results: the first under the key, then key_1, key_2", () => {
    // The seed doc (testing-strategy.md §3.1.1) expects `_2`/`_3` for the second and third values;
    // 0.4.1 writes `key_1`, `key_2` (`f"{key}_{i + 1}"` over values[1:]). 0.4.1 wins.
    const out = reduce([
      fbo({ "clock_cycle:unique": 12345 }),
      fbo({ "clock_cycle:unique": 12346 }),
      fbo({ "clock_cycle:unique": 12347 }),
    ]);
    expect(out).toEqual({
      "clock_cycle:unique": 12345,
      "clock_cycle:unique_1": 12346,
      "clock_cycle:unique_2": 12347,
    });
    expect(out).not.toHaveProperty("clock_cycle:unique_3");
    expect(Object.keys(out)).toEqual(["clock_cycle:unique", "clock_cycle:unique_1", "clock_cycle:unique_2"]);
  });

  it("unique alongside other metrics", () => {
    const out = reduce([
      fbo({ "clock_cycle:unique": 100, "loss:mean": 0.5, "accuracy:max": 0.8 }),
      fbo({ "clock_cycle:unique": 101, "loss:mean": 0.6, "accuracy:max": 0.9 }),
    ]);
    expect(out).toEqual({
      "clock_cycle:unique": 100,
      "clock_cycle:unique_1": 101,
      "loss:mean": 0.55,
      "accuracy:max": 0.9,
    });
  });

  it("empty results give {}", () => {
    expect(reduceMetrics([])).toEqual({});
    expect(reduce([])).toEqual({});
  });

  it("a key missing from any result is dropped", () => {
    expect(reduce([fbo({ "clock_cycle:unique": 100 }), fbo({ "other_metric:mean": 0.5 })])).toEqual({});
  });

  it("unique keeps float values as they are", () => {
    expect(
      reduce([fbo({ "timestamp:unique": 1234567890.123 }), fbo({ "timestamp:unique": 1234567890.456 })]),
    ).toEqual({ "timestamp:unique": 1234567890.123, "timestamp:unique_1": 1234567890.456 });
  });

  it("an unknown suffix is dropped silently", () => {
    // The Python test expects AssertionError("Invalid reduction nonexistent"), but 0.4.1's
    // _metrics_reduction only logs at DEBUG and skips the key (that test fails against 0.4.1).
    // 0.4.1's code wins.
    expect(reduce([fbo({ "invalid:nonexistent": 100, "ok:sum": 1 })])).toEqual({ "ok:sum": 1 });
  });
});

describe("metrics reduction: each reduction", () => {
  it("mean is weighted by the number of loss_fn_outputs per chunk", () => {
    // weights 1 and 3: (1·1 + 3·3) / 4 = 2.5
    expect(reduce([fbo({ "loss:mean": 1 }, 1), fbo({ "loss:mean": 3 }, 3)])).toEqual({ "loss:mean": 2.5 });
  });

  it("mean, slack and sum match numpy bit for bit (values computed with numpy 2.4)", () => {
    const out = reduceMetrics(
      [
        { "x:mean": 0.1, "x:slack": 0.1, "x:sum": 0.1 },
        { "x:mean": 0.2, "x:slack": 0.2, "x:sum": 0.2 },
        { "x:mean": 0.3, "x:slack": 0.3, "x:sum": 0.3 },
      ],
      [1, 2, 3],
    );
    expect(out).toEqual({
      "x:mean": 0.2333333333333333,
      "x:slack": 0.06666666666666668,
      "x:sum": 0.6000000000000001,
    });
  });

  it("slack is max minus the weighted mean", () => {
    expect(reduce([fbo({ "t:slack": 1 }, 1), fbo({ "t:slack": 3 }, 3)])).toEqual({ "t:slack": 0.5 });
  });

  it("sum, min, max ignore weights", () => {
    expect(
      reduce([
        fbo({ "a:sum": 1, "b:min": 5, "c:max": 5 }, 7),
        fbo({ "a:sum": 2, "b:min": -1, "c:max": 9 }, 1),
      ]),
    ).toEqual({ "a:sum": 3, "b:min": -1, "c:max": 9 });
  });

  it("min and max propagate NaN like numpy", () => {
    const out = reduceMetrics([
      { "a:min": 1, "b:max": 1 },
      { "a:min": Number.NaN, "b:max": Number.NaN },
    ]);
    expect(out["a:min"]).toBeNaN();
    expect(out["b:max"]).toBeNaN();
  });

  it("without weights mean and slack are unweighted (np.mean)", () => {
    expect(
      reduceMetrics([
        { "m:mean": 1, "s:slack": 1 },
        { "m:mean": 3, "s:slack": 3 },
      ]),
    ).toEqual({
      "m:mean": 2,
      "s:slack": 1,
    });
  });

  it("mean over chunks whose weights sum to zero fails as numpy does", () => {
    expect(() => reduce([fbo({ "loss:mean": 1 }, 0), fbo({ "loss:mean": 2 }, 0)])).toThrow(
      MetricsReductionError,
    );
    // Other reductions do not need the weights.
    expect(reduce([fbo({ "n:sum": 1 }, 0)])).toEqual({ "n:sum": 1 });
  });

  it("a key without ':' or with two ':' is an error, even for one chunk", () => {
    expect(() => reduceMetrics([{ loss: 1 }])).toThrow(MetricsReductionError);
    try {
      reduceMetrics([{ "a:b:mean": 1 }]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(MetricsReductionError);
      expect((e as MetricsReductionError).code).toBe("TINKER_METRICS_REDUCTION");
      expect((e as MetricsReductionError).key).toBe("a:b:mean");
    }
  });

  it("keys only in later chunks are ignored without checking their form", () => {
    expect(reduceMetrics([{ "a:sum": 1 }, { "a:sum": 2, nocolon: 5 }])).toEqual({ "a:sum": 3 });
  });

  it("keeps the key order of the first result", () => {
    const out = reduceMetrics([
      { "z:sum": 1, "a:max": 2, "m:unique": 3 },
      { "m:unique": 4, "a:max": 1, "z:sum": 1 },
    ]);
    expect(Object.keys(out)).toEqual(["z:sum", "a:max", "m:unique", "m:unique_1"]);
  });
});

describe("hash_unordered (expected values computed with CPython 3.11 hash())", () => {
  it("hashes the sorted tuple of truncated ints", () => {
    // hash((-3, 5, 12)) == -4510747555011694089 in CPython; values truncate toward zero.
    const out = reduceMetrics([
      { "h:hash_unordered": 12.9 },
      { "h:hash_unordered": -3.7 },
      { "h:hash_unordered": 5 },
    ]);
    expect(out["h:hash_unordered"]).toBe(Number(-4510747555011694089n));
  });

  it("is order-independent", () => {
    const a = reduceMetrics([
      { "h:hash_unordered": 1 },
      { "h:hash_unordered": 2 },
      { "h:hash_unordered": 3 },
    ]);
    const b = reduceMetrics([
      { "h:hash_unordered": 3 },
      { "h:hash_unordered": 1 },
      { "h:hash_unordered": 2 },
    ]);
    // hash((1, 2, 3)) == 529344067295497451
    expect(a).toEqual({ "h:hash_unordered": Number(529344067295497451n) });
    expect(b).toEqual(a);
  });

  it("handles ints beyond 2^53 and the float conversion of the result", () => {
    // hash((-25000000000000000000, 3, 100000000000000000000)) == 7148738427821968370 → float 7.148738427821968e+18
    const out = reduceMetrics([
      { "h:hash_unordered": 1e20 },
      { "h:hash_unordered": -2.5e19 },
      { "h:hash_unordered": 3 },
    ]);
    expect(out["h:hash_unordered"]).toBe(7.148738427821968e18);
  });

  it("NaN or infinite values fail like Python int()", () => {
    expect(() => reduceMetrics([{ "h:hash_unordered": Number.NaN }])).toThrow(MetricsReductionError);
    expect(() => reduceMetrics([{ "h:hash_unordered": Number.POSITIVE_INFINITY }])).toThrow(/cannot convert/);
  });
});

describe("numpySum (expected values computed with numpy 2.4 np.sum / np.average)", () => {
  const series = (n: number) =>
    Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 997 + ((i % 3) * 1e6) / 3);

  it("differs from a naive sum the way numpy's pairwise sum does", () => {
    const v = [
      -0.035233, -0.00021, -85512.742666, -811739.916121, -88400.215045, -0.005706, -0.001327, -51867.399975,
      -150961.621715, -0.752396,
    ];
    expect(numpySum(v)).toBe(-1188482.6903940002);
    expect(v.reduce((a, b) => a + b, 0)).toBe(-1188482.690394);
  });

  it.each([
    [9, 3000005.0992978937, 354167.2939234369],
    [130, 43000065.01003009, 329487.67933287035],
    [300, 100000150.6018054, 333333.8360080241],
  ])("n=%i: sum and weighted mean", (n, sum, mean) => {
    const v = series(n);
    expect(numpySum(v)).toBe(sum);
    const out = reduceMetrics(
      v.map((x) => ({ "x:sum": x, "x:mean": x })),
      v.map((_, i) => i % 5),
    );
    expect(out).toEqual({ "x:sum": sum, "x:mean": mean });
  });

  it("n=300: unweighted mean", () => {
    expect(reduceMetrics(series(300).map((x) => ({ "x:mean": x })))["x:mean"]).toBe(333333.8353393513);
  });

  it("a lone -0 sums to +0 as in numpy", () => {
    expect(Object.is(numpySum([-0]), 0)).toBe(true);
  });
});

describe("combineForwardBackwardOutputs", () => {
  it("no chunks give the empty output", () => {
    expect(combineForwardBackwardOutputs([])).toEqual({
      loss_fn_output_type: "",
      metrics: {},
      loss_fn_outputs: [],
    });
  });

  it("concatenates outputs in chunk order and takes the first chunk's output type", () => {
    const a = { loss_fn_output_type: "first", metrics: { "loss:sum": 1 }, loss_fn_outputs: ["a", "b"] };
    const b = { loss_fn_output_type: "second", metrics: { "loss:sum": 2 }, loss_fn_outputs: ["c"] };
    expect(combineForwardBackwardOutputs([a, b])).toEqual({
      loss_fn_output_type: "first",
      metrics: { "loss:sum": 3 },
      loss_fn_outputs: ["a", "b", "c"],
    });
    // Inputs are not mutated.
    expect(a.loss_fn_outputs).toEqual(["a", "b"]);
  });

  it("a missing output type becomes ''", () => {
    expect(combineForwardBackwardOutputs([{ metrics: {}, loss_fn_outputs: [1] }]).loss_fn_output_type).toBe(
      "",
    );
  });
});

describe("metrics reduction properties", () => {
  const ints = fc.array(fc.integer({ min: -1_000_000, max: 1_000_000 }), { minLength: 1, maxLength: 40 });

  it("sum of integers is order-independent and exact", () => {
    fc.assert(
      fc.property(ints, fc.nat(), (values, seed) => {
        const shuffled = [...values].sort((x, y) => ((x * 31 + seed) % 7) - ((y * 31 + seed) % 7));
        const a = reduceMetrics(values.map((v) => ({ "s:sum": v })));
        const b = reduceMetrics(shuffled.map((v) => ({ "s:sum": v })));
        expect(a).toEqual(b);
        expect(a["s:sum"]).toBe(values.reduce((x, y) => x + y, 0));
      }),
      { seed: 42 },
    );
  });

  it("hash_unordered is order-independent", () => {
    fc.assert(
      fc.property(ints, (values) => {
        const a = reduceMetrics(values.map((v) => ({ "h:hash_unordered": v })));
        const b = reduceMetrics([...values].reverse().map((v) => ({ "h:hash_unordered": v })));
        expect(a).toEqual(b);
      }),
      { seed: 42 },
    );
  });

  it("mean of equal weights equals the unweighted mean, and of equal values equals that value", () => {
    fc.assert(
      fc.property(ints, fc.integer({ min: 1, max: 50 }), (values, w) => {
        const metrics = values.map((v) => ({ "m:mean": v }));
        expect(
          reduceMetrics(
            metrics,
            values.map(() => w),
          )["m:mean"],
        ).toBeCloseTo(reduceMetrics(metrics)["m:mean"] as number, 6);
        const same = reduceMetrics(
          values.map(() => ({ "m:mean": values[0] as number })),
          values.map(() => w),
        );
        expect(same["m:mean"]).toBe(values[0]);
      }),
      { seed: 42 },
    );
  });

  it("unique yields exactly one key per chunk", () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true }), { minLength: 1, maxLength: 30 }), (values) => {
        const out = reduceMetrics(values.map((v) => ({ "u:unique": v })));
        expect(Object.keys(out)).toHaveLength(values.length);
        expect(Object.values(out)).toEqual(values);
      }),
      { seed: 42 },
    );
  });
});
