/**
 * Short chaos run (the long one is chaos.soak.test.ts, `npm run soak`): under ~10% random faults of
 * every kind, each training request lands exactly once and in order, and every sample either returns
 * or fails with a typed error.
 */
import { execFile } from "node:child_process";
import { describe, expect, it } from "vitest";
import { runChaos } from "./chaos.js";

const ROOT = new URL("../../", import.meta.url).pathname;

describe("chaos (short)", () => {
  it("30 training steps land exactly once in order; 300 samples all settle typed", async () => {
    const steps = 30;
    const r = await runChaos({ steps, samples: 300, seed: 7 });
    expect(r.faultsInjected).toBeGreaterThan(20);
    expect(r.acceptedByPath).toEqual({ "/api/v1/forward_backward": steps, "/api/v1/optim_step": steps });
    // Exactly once: every seq_id the client ever sent was accepted once, in increasing order.
    expect(r.acceptedSeqIds).toEqual(r.sentSeqIds);
    // Late copies of timed-out requests and retries of answers lost in a stall are answered from the
    // idempotency store (replays) rather than run again.
    expect(r.losses).toHaveLength(steps);
    expect(r.losses.every(Number.isFinite)).toBe(true);
    expect(r.untypedErrors).toEqual([]);
    // Reported as the emulator applied it: no applied step reported failed, no reported step unapplied.
    expect(r.appliedButReportedFailed).toEqual([]);
    expect(r.reportedButNotApplied).toEqual([]);
    expect(r.reportedFailed).toEqual({});
    expect(r.samplesOk + Object.values(r.sampleErrors).reduce((a, b) => a + b, 0)).toBe(300);
    expect(r.samplesOk).toBeGreaterThan(250);
  }, 60_000);

  it("after close() nothing keeps the process alive, even after faults", async () => {
    const { code, signal, out } = await new Promise<{
      code: number | null;
      signal: string | null;
      out: string;
    }>((resolve) => {
      execFile(
        process.execPath,
        ["--import", "tsx", "test/reliability/chaos-exit.ts"],
        { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME }, timeout: 30_000 },
        (error, stdout, stderr) =>
          resolve({
            code: error ? ((error as { code?: number }).code ?? 1) : 0,
            signal: error ? ((error as { signal?: string }).signal ?? null) : null,
            out: stdout + stderr,
          }),
      );
    });
    expect(signal, out).toBeNull();
    expect(code, out).toBe(0);
    expect(out).toContain("10 training requests accepted");
    // No Node warnings either (e.g. MaxListenersExceededWarning from many requests in flight).
    expect(out).not.toContain("Warning");
  }, 40_000);
});
