/** Numbers as Python's str()/repr() writes them, for the headers 0.4.1 builds. */
import { describe, expect, it } from "vitest";
import { pythonFloatRepr, pythonSeconds } from "../../../src/lib/python-float.js";

describe("pythonFloatRepr (CPython repr of a float)", () => {
  it.each([
    [1, "1.0"],
    [0.75, "0.75"],
    [5, "5.0"],
    [0.001, "0.001"],
    [0.0001, "0.0001"],
    [0.00001, "1e-05"],
    [1.5e-7, "1.5e-07"],
    [123456.789, "123456.789"],
    [1e15, "1000000000000000.0"],
    [1e16, "1e+16"],
    [-2, "-2.0"],
    [0, "0.0"],
    [Number.NaN, "nan"],
    [Number.POSITIVE_INFINITY, "inf"],
  ])("%d → %s", (x, text) => {
    expect(pythonFloatRepr(x)).toBe(text);
  });
});

describe("pythonSeconds (x-stainless-read-timeout)", () => {
  it.each([
    // The SDK's own int timeouts: default 60, retrieve_future 45, heartbeat 10.
    [60_000, false, "60"],
    [45_000, false, "45"],
    [10_000, false, "10"],
    // Floats: telemetry's HTTP_TIMEOUT_SECONDS = 5.0, and any timeout a user gives.
    [5_000, true, "5.0"],
    [1_000, true, "1.0"],
    [750, true, "0.75"],
    [60_000, true, "60.0"],
    // A fraction of a second cannot be an int.
    [50, false, "0.05"],
  ])("%d ms, float %s → %s", (ms, asFloat, text) => {
    expect(pythonSeconds(ms, asFloat)).toBe(text);
  });
});
