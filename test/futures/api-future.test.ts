import { FutureTimeoutError } from "../../src/errors/index.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { APITimeoutError, APIUserAbortError } from "../../src/errors/index.js";
import { APIFuture, combinedFuture, futureFromPromise, resolvedFuture } from "../../src/futures/index.js";
import { deferred, flush, manualSleep } from "./helpers.js";

describe("APIFuture.result", () => {
  it("times out with FutureTimeoutError, keeps running, and a later wait gets the value", async () => {
    const { deps, pending } = manualSleep();
    const op = deferred<number>();
    const fut = new APIFuture(op.promise, { requestId: () => "req-7", deps });
    const waiting = fut.result({ timeoutMs: 250 });
    expect(pending.map((p) => p.ms)).toEqual([250]);
    pending[0]?.release();
    const err = await waiting.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FutureTimeoutError);
    expect(err).toBeInstanceOf(APITimeoutError);
    expect((err as FutureTimeoutError).timeoutMs).toBe(250);
    expect((err as Error).message).toContain("req-7");
    op.resolve(42);
    expect(await fut.result()).toBe(42);
    expect(await fut.result({ timeoutMs: 1 })).toBe(42);
  });

  it("resolves before the timeout and cancels the timer", async () => {
    const { deps, pending } = manualSleep();
    const op = deferred<string>();
    const fut = new APIFuture(op.promise, { deps });
    const waiting = fut.result({ timeoutMs: 1000 });
    op.resolve("done");
    expect(await waiting).toBe("done");
    // Releasing the cancelled timer afterwards must not change anything.
    pending[0]?.release();
    await flush();
    expect(await fut).toBe("done");
  });

  it("abort ends only this wait with APIUserAbortError", async () => {
    const op = deferred<number>();
    const fut = new APIFuture(op.promise);
    const controller = new AbortController();
    const waiting = fut.result({ signal: controller.signal });
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(APIUserAbortError);
    await expect(fut.result({ signal: controller.signal })).rejects.toBeInstanceOf(APIUserAbortError);
    op.resolve(1);
    expect(await fut).toBe(1);
  });

  it("propagates the operation's error to every waiter", async () => {
    const op = deferred<number>();
    const fut = new APIFuture(op.promise);
    const a = fut.result();
    const b = fut.result({ timeoutMs: 10_000, signal: new AbortController().signal });
    const boom = new Error("boom");
    op.reject(boom);
    await expect(a).rejects.toBe(boom);
    await expect(b).rejects.toBe(boom);
    await expect(fut.catch((e: unknown) => e)).resolves.toBe(boom);
  });

  it("then/map/finally behave like a promise and map keeps requestId", async () => {
    const fut = futureFromPromise(Promise.resolve({ n: 2 }), { requestId: () => "req-3" });
    const mapped = fut.map((v) => v.n * 10);
    expect(mapped.requestId).toBe("req-3");
    expect(await mapped).toBe(20);
    let cleaned = false;
    expect(
      await fut.finally(() => {
        cleaned = true;
      }),
    ).toEqual({ n: 2 });
    expect(cleaned).toBe(true);
    expect(await resolvedFuture("x")).toBe("x");
    expect(resolvedFuture("x").requestId).toBeUndefined();
  });
});

describe("unhandled rejections", () => {
  const seen: unknown[] = [];
  const onUnhandled = (reason: unknown) => seen.push(reason);
  beforeEach(() => {
    seen.length = 0;
    process.on("unhandledRejection", onUnhandled);
  });
  afterEach(() => {
    process.off("unhandledRejection", onUnhandled);
  });

  it("a failed future nobody awaits does not raise unhandledRejection", async () => {
    const op = deferred<number>();
    const fut = new APIFuture(op.promise);
    const combined = combinedFuture([fut], (r) => r);
    op.reject(new Error("nobody listens"));
    await flush(10);
    expect(seen).toEqual([]);
    // The error is still delivered to anyone who asks later.
    await expect(fut).rejects.toThrow("nobody listens");
    await expect(combined).rejects.toThrow("nobody listens");
  });
});

describe("combinedFuture", () => {
  it("combines results in part order, whatever order the parts finish in", async () => {
    const a = deferred<number>();
    const b = deferred<number>();
    const c = deferred<number>();
    const parts = [a, b, c].map((d, i) => new APIFuture(d.promise, { requestId: () => `req-${i}` }));
    const calls: number[][] = [];
    const fut = combinedFuture(parts, (results) => {
      calls.push(results);
      return results.join(",");
    });
    c.resolve(3);
    b.resolve(2);
    await flush();
    expect(calls).toEqual([]);
    a.resolve(1);
    expect(await fut).toBe("1,2,3");
    expect(calls).toEqual([[1, 2, 3]]);
    expect(fut.requestId).toBe("req-0");
  });

  it("fails with the first failing part in part order", async () => {
    const a = deferred<number>();
    const b = deferred<number>();
    const c = deferred<number>();
    let combined = false;
    const fut = combinedFuture(
      [a, b, c].map((d) => new APIFuture(d.promise)),
      () => {
        combined = true;
      },
    );
    c.reject(new Error("third"));
    a.resolve(1);
    b.reject(new Error("second"));
    await expect(fut).rejects.toThrow("second");
    expect(combined).toBe(false);
  });

  it("an empty list combines to combine([])", async () => {
    expect(await combinedFuture([], (r: number[]) => r.length)).toBe(0);
  });
});
