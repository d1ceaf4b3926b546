import { describe, expect, it } from "vitest";
import {
  exponentialBackoffMs,
  parseHttpDateMs,
  parsePythonFloat,
  parseRetryAfterMs,
  rawRetryAfterMs,
  retryDelayMs,
  retrySleepMs,
} from "../../../src/lib/backoff.js";

const NOW = Date.UTC(2024, 0, 1, 12, 0, 0);

describe("retryDelayMs (0.4.1 _calculate_retry_timeout)", () => {
  it("nominal delays for retries 0..9 are 0.5, 1, 2, 4, 8, then 10 s", () => {
    const nominal = Array.from({ length: 10 }, (_, n) => retryDelayMs(n, () => 0));
    expect(nominal).toEqual([500, 1000, 2000, 4000, 8000, 10000, 10000, 10000, 10000, 10000]);
  });

  it("jitter only shortens, down to 0.75×", () => {
    expect(retryDelayMs(0, () => 1)).toBe(375);
    expect(retryDelayMs(3, () => 0.5)).toBe(4000 * 0.875);
    expect(retryDelayMs(5000, () => 0)).toBe(10000);
  });
});

describe("parsePythonFloat (Python float() syntax)", () => {
  it.each([
    ["5", 5],
    [" 5 ", 5],
    ["1e3", 1000],
    ["1_000", 1000],
    ["-2.5", -2.5],
    [".5", 0.5],
    ["5.", 5],
    ["inf", Number.POSITIVE_INFINITY],
    ["-Infinity", Number.NEGATIVE_INFINITY],
    ["+inf", Number.POSITIVE_INFINITY],
  ])("%j → %d", (text, value) => {
    expect(parsePythonFloat(text)).toBe(value);
  });

  it("nan parses to NaN", () => {
    expect(parsePythonFloat("NaN")).toBeNaN();
  });

  it.each(["", "abc", "1__0", "_1", "0x10", "1,5", "5s"])("%j is not a float", (text) => {
    expect(parsePythonFloat(text)).toBeUndefined();
  });
});

describe("parseRetryAfterMs (0.4.1 _parse_retry_after_header + the (0, 60] window)", () => {
  it.each([
    [{ "retry-after": "20" }, 20_000],
    [{ "retry-after": "60" }, 60_000],
    [{ "retry-after": "61" }, undefined],
    [{ "retry-after": "0" }, undefined],
    [{ "retry-after": "-10" }, undefined],
    [{ "retry-after": "0.5" }, 500],
    [{ "retry-after": "inf" }, undefined],
    [{ "retry-after": "nan" }, undefined],
    [{ "retry-after-ms": "250" }, 250],
    [{ "retry-after-ms": "60000" }, 60_000],
    [{ "Retry-After-Ms": "1500" }, 1500],
    [{ "retry-after": "Mon, 01 Jan 2024 12:00:20 GMT" }, 20_000],
    [{ "retry-after": "Zun, 01 Jan 2024 12:00:30 GMT" }, 30_000],
    [{ "retry-after": "Mon, 01 Jan 2024 12:05:00 GMT" }, undefined],
    [{ "retry-after": "Mon, 01 Jan 2024 11:59:00 GMT" }, undefined],
    [{ "retry-after": "not a date" }, undefined],
    [{}, undefined],
  ])("%j → %s", (headers, expected) => {
    expect(parseRetryAfterMs(headers, NOW)).toBe(expected);
  });

  it("a parseable retry-after-ms wins even when it falls outside the window", () => {
    const headers = { "retry-after-ms": "90000", "retry-after": "5" };
    expect(rawRetryAfterMs(headers, NOW)).toBe(90_000);
    expect(parseRetryAfterMs(headers, NOW)).toBeUndefined();
  });

  it("an unparseable retry-after-ms falls through to retry-after", () => {
    expect(parseRetryAfterMs({ "retry-after-ms": "soon", "retry-after": "3" }, NOW)).toBe(3000);
  });

  it("past dates give a negative raw delay", () => {
    expect(rawRetryAfterMs({ "retry-after": "01 Jan 2024 11:59:50 +0000" }, NOW)).toBe(-10_000);
  });
});

describe("parseHttpDateMs (email.utils.parsedate_tz + mktime_tz)", () => {
  it.each([
    ["Mon, 01 Jan 2024 12:00:00 GMT", NOW],
    ["01 Jan 2024 13:00:00 +0100", NOW],
    ["01 Jan 2024 07:00:00 EST", NOW],
    ["Jan 01 2024 12:00:00 UTC", NOW],
    ["1 jan 24 12:00 GMT", NOW],
    ["01 Jan 99 12:00:00 GMT", Date.UTC(1999, 0, 1, 12)],
  ])("%j", (text, ms) => {
    expect(parseHttpDateMs(text)).toBe(ms);
  });

  it.each([
    // CPython 3.11's public parsedate_tz turns "no zone" into 0, so these are UTC, not local time
    // (python-sdk-core.md §3.5 says local time; the interpreter disagrees).
    ["01 Jan 2024 12:00:00", NOW],
    ["01 Jan 2024 12:00:00 -0000", NOW],
    ["01 Jan 2024 12:00:00 XYZ", NOW],
    ["01 Jan 2024 13:30:00+0130", NOW],
    ["Monday, 01-Jan-24 12:00:00 GMT", NOW],
    ["Mon Jan  1 12:00:00 2024", NOW],
    ["01 January 2024 12.00 GMT", NOW],
    ["Sun,01 Jan 2024 12:00:00 GMT", NOW],
  ])("%j (checked against CPython 3.11 email.utils)", (text, ms) => {
    expect(parseHttpDateMs(text)).toBe(ms);
  });

  it.each([
    "",
    "   ",
    "Mon,",
    "01 Foo 2024 12:00:00 GMT",
    "01 Jan 2024 noon GMT",
    "xx Jan 2024",
    "01 Jan 2024",
    "Zun 01 Jan 2024 12:00:00 GMT",
    "01 Jan , 12:00:00 GMT",
    "01 Jan 2024 1:2:3:4 GMT",
    "01 Jan 2024 1.2.3.4 GMT",
  ])("%j is not a date", (t) => {
    expect(parseHttpDateMs(t)).toBeUndefined();
  });
});

describe("retrySleepMs", () => {
  it("uses the honoured server delay without jitter, else backoff", () => {
    expect(retrySleepMs(4, { "retry-after": "2" }, NOW, () => 1)).toBe(2000);
    expect(retrySleepMs(4, { "retry-after": "120" }, NOW, () => 0)).toBe(8000);
    expect(retrySleepMs(0, undefined, NOW, () => 0)).toBe(500);
  });
});

describe("exponentialBackoffMs", () => {
  it("is min(2^k, 30) s", () => {
    expect([0, 1, 2, 3, 4, 5, 6, 100].map(exponentialBackoffMs)).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
  });
});
