import { describe, expect, it } from "vitest";
import { parseRetryAfterMs, retryDelayMs } from "../../src/lib/backoff.js";
import { shouldRetryResponse } from "../../src/lib/retry-policy.js";

describe("shouldRetryResponse decision table", () => {
  const cases: Array<[number, Record<string, string>, boolean]> = [
    [500, { "x-should-retry": "false" }, false],
    [400, { "x-should-retry": "true" }, true],
    [200, { "x-should-retry": "true" }, true],
    [408, {}, true],
    [409, {}, true],
    [429, {}, true],
    [500, {}, true],
    [503, {}, true],
    [400, {}, false],
    [401, {}, false],
    [404, {}, false],
    [422, {}, false],
  ];
  it.each(cases)("status %i headers %j → %s", (status, headers, expected) => {
    expect(shouldRetryResponse(status, headers)).toBe(expected);
  });
});

describe("parseRetryAfterMs table (as 0.4.1 test_client.py)", () => {
  const now = Date.parse("2023-01-01T00:00:00Z");
  const cases: Array<[Record<string, string>, number | undefined]> = [
    [{ "retry-after": "20" }, 20_000],
    [{ "retry-after": "-10" }, undefined],
    [{ "retry-after": "0" }, undefined],
    [{ "retry-after": "60" }, 60_000],
    [{ "retry-after": "61" }, undefined],
    [{ "retry-after": "1.5" }, 1_500],
    [{ "retry-after": "Sun, 01 Jan 2023 00:00:20 GMT" }, 20_000],
    [{ "retry-after": "Sun, 01 Jan 2023 00:00:00 GMT" }, undefined],
    [{ "retry-after": "Sun, 01 Jan 2023 00:02:00 GMT" }, undefined],
    [{ "retry-after": "not a date" }, undefined],
    [{ "retry-after-ms": "2000" }, 2_000],
    [{ "retry-after-ms": "2000", "retry-after": "30" }, 2_000],
    [{ "retry-after-ms": "junk", "retry-after": "30" }, 30_000],
    [{}, undefined],
  ];
  it.each(cases)("%j → %s", (headers, expected) => {
    expect(parseRetryAfterMs(headers, now)).toBe(expected);
  });
});

describe("retryDelayMs", () => {
  it("doubles from 0.5 s and caps at 10 s, jitter in [0.75, 1]", () => {
    expect(retryDelayMs(0, () => 0)).toBe(500);
    expect(retryDelayMs(1, () => 0)).toBe(1000);
    expect(retryDelayMs(4, () => 0)).toBe(8000);
    expect(retryDelayMs(5, () => 0)).toBe(10_000);
    expect(retryDelayMs(9, () => 0)).toBe(10_000);
    expect(retryDelayMs(0, () => 1)).toBe(375);
  });
});
