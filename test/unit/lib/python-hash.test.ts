import { describe, expect, it } from "vitest";
import { pythonIntHash, pythonTupleOfIntsHash } from "../../../src/lib/python-hash.js";

// Every expected value below was computed with CPython 3.11 (64-bit), e.g. `python3 -c 'print(hash((1,2,3)))'`.
describe("CPython hash reproduction", () => {
  it.each([
    [-1n, -2n],
    [(1n << 61n) - 1n, 0n],
    [1n << 61n, 1n],
    [-(1n << 61n) - 1n, -2n],
    [10n ** 30n, 465258685558744706n],
    [7n, 7n],
  ])("hash(%s) == %s", (x, h) => {
    expect(pythonIntHash(x)).toBe(h);
  });

  it.each([
    [[], 5740354900026072187n],
    [[0n], -8753497827991233192n],
    [[1n, 2n, 3n], 529344067295497451n],
    [[-1n], 8078679518589016365n],
    [[-2n, -1n], 960947337673586213n],
    [[10n, 11n, 12n], 387687450679611661n],
    [[(1n << 61n) - 1n, 1n << 61n, -(1n << 61n)], -8043544464022865189n],
    [[-5n, 3n, 1n << 63n, 10n ** 30n], 4104963656096973931n],
  ])("hash(tuple(%s)) == %s", (items, h) => {
    expect(pythonTupleOfIntsHash(items)).toBe(h);
  });

  it("substitutes 1546275796 when the accumulator is -1", () => {
    // A tuple constructed (by inverting the xxHash rounds) so that the raw result is -1;
    // CPython: hash((21, 122872550421973035)) == 1546275796.
    expect(pythonTupleOfIntsHash([21n, 122872550421973035n])).toBe(1546275796n);
  });
});
