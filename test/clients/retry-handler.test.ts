/**
 * The sampling RetryHandler's progress watchdog (0.4.1 progress_timeout): when nothing the handler
 * runs has completed for the timeout, every request in flight fails with APIConnectionError; any
 * completion resets the clock; an idle handler keeps no timer.
 */
import { describe, expect, it } from "vitest";
import { RetryHandler, resolveRetryConfig } from "../../src/clients/retry-handler.js";
import { APIConnectionError, InternalServerError } from "../../src/errors/index.js";
import { FakeClock } from "../support/fake-clock.js";

const never = () => new Promise<never>(() => {});
const turn = () => new Promise((r) => setImmediate(r));

function handler(progressTimeoutMs = 60_000) {
  const clock = new FakeClock();
  const h = new RetryHandler(resolveRetryConfig({ progressTimeoutMs }), clock.deps);
  return { clock, h };
}

describe("RetryHandler progress watchdog", () => {
  it("fails every stuck request once the progress timeout passes", async () => {
    const { clock, h } = handler();
    const a = h.execute(never);
    const b = h.execute(never);
    await turn();
    await clock.advance(59_000);
    let settled = false;
    void Promise.allSettled([a, b]).then(() => (settled = true));
    await turn();
    expect(settled).toBe(false);
    await clock.advance(2_000);
    await expect(a).rejects.toBeInstanceOf(APIConnectionError);
    await expect(b).rejects.toThrow("No progress made in 60s");
  });

  it("a completion resets the clock for the requests still running", async () => {
    const { clock, h } = handler();
    const stuck = h.execute(never);
    let finish!: (v: number) => void;
    const quick = h.execute(() => new Promise<number>((r) => (finish = r)));
    await turn();
    await clock.advance(50_000);
    finish(1);
    expect(await quick).toBe(1);
    await clock.advance(50_000);
    let failed = false;
    stuck.catch(() => (failed = true));
    await turn();
    expect(failed).toBe(false);
    await clock.advance(11_000);
    await expect(stuck).rejects.toBeInstanceOf(APIConnectionError);
  });

  it("stops retrying a request the watchdog failed, and keeps no timer when idle", async () => {
    const { clock, h } = handler(10_000);
    let attempts = 0;
    const failing = h.execute(async () => {
      attempts++;
      throw new InternalServerError("boom", { status: 500 });
    });
    const failed = expect(failing).rejects.toBeInstanceOf(APIConnectionError);
    await turn();
    await clock.advance(11_000);
    await failed;
    const seen = attempts;
    await clock.advance(60_000);
    expect(attempts).toBe(seen);
    expect(clock.pendingDelays()).toEqual([]);
  });
});

describe("RetryHandler logging", () => {
  it("logs a debug line per retry and one warning once a request has retried for 30 s", async () => {
    const clock = new FakeClock();
    const lines: string[] = [];
    const log = (l: string) => (m: string) => lines.push(`${l} ${m}`);
    const logger = {
      level: "debug" as const,
      debug: log("D"),
      info: log("I"),
      warn: log("W"),
      error: log("E"),
    };
    const config = resolveRetryConfig({ retryDelayBaseMs: 10_000, retryDelayMaxMs: 10_000, jitterFactor: 0 });
    const h = new RetryHandler(config, clock.deps, undefined, logger);
    let attempts = 0;
    const done = h.execute(async () => {
      if (++attempts <= 5) throw new InternalServerError("boom", { status: 503 });
      return "ok";
    });
    for (let i = 0; i < 50 && attempts <= 5; i++) {
      await turn();
      await clock.advance(10_000);
    }
    expect(await done).toBe("ok");
    const debug = lines.filter((l) => l.startsWith("D "));
    const warn = lines.filter((l) => l.startsWith("W "));
    expect(debug).toHaveLength(5);
    expect(debug[0]).toBe("D sample: attempt 1 failed after 503; retrying in 10000 ms");
    expect(warn).toEqual([
      "W sample: attempt 4 failed after 503; retrying in 10000 ms (still retrying after 30 s, 4 attempts; fails once no sample completes for 1800 s)",
    ]);
  });
});
