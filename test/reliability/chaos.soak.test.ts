/**
 * The chaos soak of issue 11 (`npm run soak`, not part of `npm test`): 200 training steps and 5,000
 * samples under ~10% random faults; see chaos.test.ts for the short version run by CI.
 */
import { describe, expect, it } from "vitest";
import { runChaos } from "./chaos.js";

describe("chaos soak", () => {
  it("200 steps land exactly once in order; 5,000 samples all settle typed", async () => {
    const steps = 200;
    const r = await runChaos({ steps, samples: 5_000, seed: 2026 });
    console.log(
      `faults injected: ${r.faultsInjected}; stale copies refused: ${r.seqViolations}; replayed from the idempotency store: ${r.replays}; reported ok: ${JSON.stringify(r.reportedOk)}; samples ok: ${r.samplesOk}; typed failures: ${JSON.stringify(r.sampleErrors)}`,
    );
    expect(r.acceptedByPath).toEqual({ "/api/v1/forward_backward": steps, "/api/v1/optim_step": steps });
    expect(r.acceptedSeqIds).toEqual(r.sentSeqIds);
    // Late copies of timed-out requests and retries of answers lost in a stall are answered from the
    // idempotency store (replays) rather than run again.
    expect(r.untypedErrors).toEqual([]);
    // Reported as the emulator applied it: no applied step reported failed, no reported step unapplied.
    expect(r.appliedButReportedFailed).toEqual([]);
    expect(r.reportedButNotApplied).toEqual([]);
    expect(r.reportedFailed).toEqual({});
    expect(r.samplesOk + Object.values(r.sampleErrors).reduce((a, b) => a + b, 0)).toBe(5_000);
  }, 600_000);
});
