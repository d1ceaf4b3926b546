/**
 * Short chaos run (the long one is chaos.soak.test.ts, `npm run soak`): under ~10% random faults of
 * every kind, each training request lands exactly once and in order, and every sample either returns
 * or fails with a typed error.
 */
import { describe, expect, it } from "vitest";
import { runChaos } from "./chaos.js";

describe("chaos (short)", () => {
  it("30 training steps land exactly once in order; 300 samples all settle typed", async () => {
    const steps = 30;
    const r = await runChaos({ steps, samples: 300, seed: 7 });
    expect(r.faultsInjected).toBeGreaterThan(20);
    expect(r.acceptedByPath).toEqual({ "/api/v1/forward_backward": steps, "/api/v1/optim_step": steps });
    // Exactly once: every seq_id the client ever sent was accepted once, in increasing order.
    expect(r.acceptedSeqIds).toEqual(r.sentSeqIds);
    expect(r.seqViolations).toBe(0);
    expect(r.losses).toHaveLength(steps);
    expect(r.losses.every(Number.isFinite)).toBe(true);
    expect(r.untypedErrors).toEqual([]);
    expect(r.samplesOk + Object.values(r.sampleErrors).reduce((a, b) => a + b, 0)).toBe(300);
    expect(r.samplesOk).toBeGreaterThan(250);
  }, 60_000);
});
