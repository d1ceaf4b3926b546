import { describe, expect, it } from "vitest";
import { BytesBudget } from "../../../src/lib/bytes-budget.js";

const tick = () => new Promise((r) => setImmediate(r));

describe("BytesBudget (0.25.0 BytesSemaphore)", () => {
  it("lets a request through while the budget is >= 0, so it may go negative; the next waits", async () => {
    const b = new BytesBudget(10);
    const r1 = await b.acquire(30); // 10 >= 0: through, now -20
    expect(b.remaining).toBe(-20);
    let second = false;
    const p2 = b.acquire(30).then((r) => {
      second = true;
      return r;
    });
    await tick();
    expect(second).toBe(false);
    expect(b.waiting).toBe(1);
    r1();
    const r2 = await p2;
    expect(second).toBe(true);
    expect(b.remaining).toBe(-20);
    r2();
    r2(); // idempotent
    expect(b.remaining).toBe(10);
  });

  it("a budget of exactly 0 still lets one through; waiters are served in order", async () => {
    const b = new BytesBudget(5);
    const r1 = await b.acquire(5);
    expect(b.remaining).toBe(0);
    const r2 = await b.acquire(1); // 0 >= 0
    expect(b.remaining).toBe(-1);
    const order: number[] = [];
    const waiter = (n: number) =>
      b.acquire(2).then((r) => {
        order.push(n);
        return r;
      });
    const p3 = waiter(3);
    const p4 = waiter(4);
    r2(); // back to 0: the first waiter goes (0 → -2), the second waits again
    await tick();
    expect(order).toEqual([3]);
    r1();
    await tick();
    expect(order).toEqual([3, 4]);
    (await p3)();
    (await p4)();
    expect(b.remaining).toBe(5);
  });

  it("an aborted waiter leaves the queue and rejects with the signal's reason", async () => {
    const b = new BytesBudget(0);
    const r1 = await b.acquire(1);
    const ac = new AbortController();
    const p = b.acquire(1, ac.signal);
    const after = b.acquire(1);
    ac.abort(new Error("stop"));
    await expect(p).rejects.toThrow("stop");
    r1();
    (await after)();
    expect(b.remaining).toBe(0);
  });
});
