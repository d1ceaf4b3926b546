/** Self-tests of the virtual clock the parity scenarios inject as `deps`. */
import { describe, expect, it } from "vitest";
import { FakeClock } from "./fake-clock.js";

describe("FakeClock", () => {
  it("completes short sleeps on its own, advancing virtual time", async () => {
    const clock = new FakeClock();
    const t0 = clock.deps.now();
    await clock.deps.sleep(1_000);
    await clock.deps.sleep(437.5);
    expect(clock.deps.now() - t0).toBe(1_437.5);
    expect(clock.sleeps).toEqual([1_000, 437.5]);
  });

  it("holds long sleeps (heartbeat/flush periods) until advance()", async () => {
    const clock = new FakeClock();
    let woke = false;
    const p = clock.deps.sleep(10_000).then(() => {
      woke = true;
    });
    await new Promise((r) => setImmediate(r));
    await clock.deps.sleep(500);
    expect(woke).toBe(false);
    expect(clock.pendingDelays()).toEqual([9_500]);
    await clock.advance(9_500);
    await p;
    expect(woke).toBe(true);
  });

  it("rejects a sleep whose signal aborts", async () => {
    const clock = new FakeClock();
    const ac = new AbortController();
    const p = clock.deps.sleep(60_000, ac.signal);
    ac.abort(new Error("stop"));
    await expect(p).rejects.toThrow("stop");
    expect(clock.pendingDelays()).toEqual([]);
  });
});
