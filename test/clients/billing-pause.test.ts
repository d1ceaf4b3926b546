/** The 0.25.0 billing pause (fact 16) and the per-kind retry table (fact 15), on a fake clock. */
import { describe, expect, it } from "vitest";
import { billingOption, createBillingPause } from "../../src/clients/billing-pause.js";
import { executeWithRetries } from "../../src/clients/retry.js";
import { makeStatusError } from "../../src/errors/index.js";
import {
  BILLING_LOG_INTERVAL_MS,
  BILLING_RESET_AFTER_MS,
  BillingPause,
} from "../../src/lib/billing-pause.js";
import { GENERATION_0_4_1, GENERATION_0_25_0, httpRetriesFor } from "../../src/protocol/generation.js";
import { FakeClock } from "../support/fake-clock.js";

const status = (s: number) => makeStatusError(s, "Status", {}, { detail: `status ${s}` });

function gate(clock: FakeClock, maxPauseMs = 10_000) {
  const logs: string[] = [];
  const pause = new BillingPause({
    now: clock.deps.now,
    maxPauseMs: () => maxPauseMs,
    log: { warn: (m) => logs.push(`warn: ${m}`), error: (m) => logs.push(`error: ${m}`) },
  });
  return { pause, logs };
}

describe("BillingPause", () => {
  it("pauses on 402 only; the window opens at the first 402 and closes after maxPause", async () => {
    const clock = new FakeClock();
    const { pause, logs } = gate(clock);
    expect(pause.shouldPause(500, "x")).toBe(false);
    expect(pause.shouldPause(429, "x")).toBe(false);
    expect(pause.pausedSince).toBeUndefined();
    const start = clock.nowMs;
    expect(pause.shouldPause(402, "Payment required")).toBe(true);
    expect(pause.pausedSince).toBe(start);
    await clock.advance(10_000); // exactly the window: still paused (the limit is exclusive)
    expect(pause.shouldPause(402, "again")).toBe(true);
    await clock.advance(1);
    expect(pause.shouldPause(402, "again")).toBe(false);
    expect(logs).toEqual([
      "warn: The job is paused due to billing status. Error: Payment required",
      "error: The job was paused due to billing status for 10.001 seconds. This has been happening for too long. Aborting.",
    ]);
  });

  it("warns at most once a minute, and a 402 after 5 min without a warning starts a new incident", async () => {
    const clock = new FakeClock();
    const { pause, logs } = gate(clock, 3_600_000);
    pause.shouldPause(402, "a");
    await clock.advance(BILLING_LOG_INTERVAL_MS);
    pause.shouldPause(402, "b"); // exactly a minute: not logged again
    await clock.advance(1);
    pause.shouldPause(402, "c");
    expect(logs.map((l) => l.at(-1))).toEqual(["a", "c"]);
    const first = pause.pausedSince;
    await clock.advance(BILLING_RESET_AFTER_MS + 1);
    expect(pause.shouldPause(402, "d")).toBe(true);
    expect(pause.pausedSince).toBe(clock.nowMs);
    expect(pause.pausedSince).not.toBe(first);
  });
});

describe("executeWithRetries with a billing pause", () => {
  const run = (
    clock: FakeClock,
    answers: unknown[],
    billing?: Parameters<typeof executeWithRetries>[1]["billing"],
  ) => {
    const events: string[] = [];
    let calls = 0;
    const p = executeWithRetries(
      async () => {
        const a = answers[calls++];
        if (a instanceof Error) throw a;
        return a;
      },
      {
        deps: clock.deps,
        billing,
        telemetry: { logGenericEvent: (name: string) => events.push(name) } as never,
      },
    );
    return { p, events, calls: () => calls };
  };

  it("re-sends a 402 after 5 s without telemetry, then a 5xx after 1 s as before", async () => {
    const clock = new FakeClock();
    const { pause } = gate(clock, 60_000);
    const r = run(clock, [status(402), status(500), "ok"], { gate: pause, pauseMs: 5_000 });
    await expect(r.p).resolves.toBe("ok");
    expect(clock.sleeps).toEqual([5_000, 1_000]); // the pause is not an attempt: the 500 still waits 1 s
    expect(r.events).toEqual(["InternalClientHolder.execute_with_retries.exception"]); // the 500 only
  });

  it("raises the 402 once the window has passed", async () => {
    const clock = new FakeClock();
    const { pause } = gate(clock, 2_000);
    const r = run(clock, [status(402), status(402), "never"], { gate: pause, pauseMs: 5_000 });
    await expect(r.p).rejects.toMatchObject({ status: 402 });
    expect(r.calls()).toBe(2);
    expect(clock.sleeps).toEqual([5_000]);
  });

  it("without a pause (0.4.1) a 402 fails at once", async () => {
    const clock = new FakeClock();
    const r = run(clock, [status(402), "never"]);
    await expect(r.p).rejects.toMatchObject({ status: 402 });
    expect(r.calls()).toBe(1);
    expect(clock.sleeps).toEqual([]);
  });
});

describe("the retry table as the clients ask it", () => {
  it("0.25.0 pauses on 402 for submits, not for dynamic_config or heartbeats; 0.4.1 never", () => {
    const clock = new FakeClock();
    const g25 = createBillingPause(GENERATION_0_25_0, clock.deps, () => 2);
    expect(g25).toBeInstanceOf(BillingPause);
    expect(createBillingPause(GENERATION_0_4_1, clock.deps, () => 2)).toBeUndefined();
    expect(billingOption(GENERATION_0_25_0, g25, "forward_backward")).toEqual({ gate: g25, pauseMs: 5_000 });
    expect(billingOption(GENERATION_0_25_0, g25, "asample")).toEqual({ gate: g25, pauseMs: 5_000 });
    expect(billingOption(GENERATION_0_25_0, g25, "dynamic_config")).toBeUndefined();
    expect(billingOption(GENERATION_0_25_0, g25, "session_heartbeat")).toBeUndefined();
    expect(billingOption(GENERATION_0_4_1, g25, "forward_backward")).toBeUndefined();
  });

  it("max_retries=0 kinds get 0, the rest the client's setting (undefined)", () => {
    const zero = [
      "save_weights",
      "save_weights_for_sampler",
      "asample",
      "dynamic_config",
      "session_heartbeat",
      "retrieve_future",
    ] as const;
    for (const k of zero) expect(httpRetriesFor(GENERATION_0_25_0, k), k).toBe(0);
    for (const k of ["forward_backward", "optim_step", "get_info", "rest"] as const) {
      expect(httpRetriesFor(GENERATION_0_25_0, k), k).toBeUndefined();
    }
    // 0.4.1 sends only asample, heartbeats and polls with max_retries=0.
    expect(httpRetriesFor(GENERATION_0_4_1, "save_weights")).toBeUndefined();
    expect(httpRetriesFor(GENERATION_0_4_1, "save_weights_for_sampler")).toBeUndefined();
    expect(httpRetriesFor(GENERATION_0_4_1, "asample")).toBe(0);
    expect(httpRetriesFor(GENERATION_0_4_1, "session_heartbeat")).toBe(0);
  });
});
