/** The FIFO semaphore behind the sampling dispatch limit and the RetryHandler. */
import { getEventListeners } from "node:events";
import { describe, expect, it } from "vitest";
import { Semaphore } from "../../src/clients/semaphore.js";

const turn = () => new Promise((r) => setImmediate(r));

describe("Semaphore", () => {
  it("grants in FIFO order and counts what waits", async () => {
    const s = new Semaphore(1);
    const first = await s.acquire();
    const order: number[] = [];
    const waiters = [1, 2, 3].map((i) =>
      s.acquire().then((release) => {
        order.push(i);
        return release;
      }),
    );
    await turn();
    expect(s.waiting).toBe(3);
    first();
    for (const w of waiters) (await w)();
    expect(order).toEqual([1, 2, 3]);
    expect(s.available).toBe(1);
    expect(s.waiting).toBe(0);
  });

  it("an aborted waiter leaves the queue, and its slot is not lost", async () => {
    const s = new Semaphore(1);
    const held = await s.acquire();
    const controller = new AbortController();
    const aborted = s.acquire(controller.signal);
    const later = s.acquire();
    controller.abort(new Error("stop"));
    await expect(aborted).rejects.toThrow("stop");
    expect(s.waiting).toBe(1);
    held();
    const release = await later;
    release();
    release(); // idempotent
    expect(s.available).toBe(1);
    // With only an aborted waiter ever queued, a new caller is served at once.
    const held2 = await s.acquire();
    const c2 = new AbortController();
    const gone = s.acquire(c2.signal);
    c2.abort();
    await expect(gone).rejects.toBeDefined();
    held2();
    expect(s.waiting).toBe(0);
    const next = await s.acquire();
    expect(s.available).toBe(0);
    next();
  });

  it("waiters sharing a signal share one listener; its abort fails just them, and none is left", async () => {
    const s = new Semaphore(1);
    const held = await s.acquire();
    const a = new AbortController();
    const b = new AbortController();
    const onA = Array.from({ length: 50 }, () => s.acquire(a.signal).catch((e: unknown) => e));
    const onB = Array.from({ length: 3 }, () => s.acquire(b.signal));
    await turn();
    expect(getEventListeners(a.signal, "abort")).toHaveLength(1);
    expect(getEventListeners(b.signal, "abort")).toHaveLength(1);
    a.abort(new Error("a stops"));
    for (const r of await Promise.all(onA)) expect((r as Error).message).toBe("a stops");
    expect(getEventListeners(a.signal, "abort")).toHaveLength(0);
    expect(s.waiting).toBe(3);
    held();
    for (const w of onB) (await w)();
    expect(getEventListeners(b.signal, "abort")).toHaveLength(0);
    expect(s.available).toBe(1);
  });

  it("tryAcquire takes a free slot at once, and never jumps the queue", async () => {
    const s = new Semaphore(1);
    const first = s.tryAcquire();
    expect(first).toBeDefined();
    expect(s.tryAcquire()).toBeUndefined();
    const queued = s.acquire();
    first?.();
    // The freed slot went to the waiter, not to a newcomer.
    expect(s.tryAcquire()).toBeUndefined();
    (await queued)();
    const again = s.tryAcquire();
    expect(again).toBeDefined();
    again?.();
    expect(s.available).toBe(1);
  });

  it("stays correct through thousands of waiters", async () => {
    const s = new Semaphore(3);
    let running = 0;
    let peak = 0;
    let done = 0;
    await Promise.all(
      Array.from({ length: 5_000 }, async () => {
        const release = await s.acquire();
        running++;
        peak = Math.max(peak, running);
        await Promise.resolve();
        running--;
        done++;
        release();
      }),
    );
    expect(done).toBe(5_000);
    expect(peak).toBe(3);
    expect(s.available).toBe(3);
    expect(s.waiting).toBe(0);
  });
});
