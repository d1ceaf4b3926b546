/** Pure pieces of the clients. Chunking, metrics and tinker paths are tested in test/unit/lib. */
import { describe, expect, it } from "vitest";
import { DEFAULT_RETRY_CONFIG } from "../../src/clients/index.js";
import { sampleRetryDelayMs as retryHandlerDelayMs } from "../../src/lib/retry-policy.js";

describe("RetryHandler delay", () => {
  it("is min(0.5·2^n, 10) s with ±25 % jitter, clipped to the max", () => {
    const c = { ...DEFAULT_RETRY_CONFIG };
    expect(retryHandlerDelayMs(0, c, () => 0)).toBe(375);
    expect(retryHandlerDelayMs(0, c, () => 1)).toBe(625);
    expect(retryHandlerDelayMs(3, c, () => 0.5)).toBe(4_000);
    expect(retryHandlerDelayMs(10, c, () => 1)).toBe(10_000);
    expect(retryHandlerDelayMs(10, c, () => 0)).toBe(7_500);
  });
});
