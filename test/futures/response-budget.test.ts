/**
 * 0.25.0's in-flight response-byte budget (golden v0.25 fact 8): after `complete_metadata` the
 * poller takes `response_payload_size` bytes before polling again with `allow_metadata_only:
 * false`, and gives them back once the result is read (or the poll fails).
 */
import { describe, expect, it } from "vitest";
import type { RequestOptions } from "../../src/core/transport.js";
import { type FutureContext, pollingFuture } from "../../src/futures/index.js";
import { BytesBudget } from "../../src/lib/bytes-budget.js";
import { GENERATION_0_25_0 } from "../../src/protocol/generation.js";
import { makeCodecV025 } from "../../src/protocol/v0_25/codec-0_25.js";
import { deferred, fakeTime } from "./helpers.js";

function decoded(o: RequestOptions): { request_id: string; allow_metadata_only: boolean } {
  const body = o.body as { body: string };
  return JSON.parse(body.body);
}

describe("polling: in-flight response-byte budget (0.25.0)", () => {
  it("reserves the announced size until the full result is read; a second large result waits", async () => {
    const budget = new BytesBudget(50);
    const polls: Array<{ request_id: string; allow_metadata_only: boolean }> = [];
    const full = new Map([
      ["r1", deferred<unknown>()],
      ["r2", deferred<unknown>()],
    ]);
    const ctx: FutureContext = {
      deps: fakeTime(),
      codec: makeCodecV025(),
      poll: { ...GENERATION_0_25_0.poll, protobufResultTypes: [] },
      responseBytes: () => budget,
      transport: {
        async request<R>(o: RequestOptions) {
          const b = decoded(o);
          polls.push(b);
          if (b.allow_metadata_only)
            return { body: { status: "complete_metadata", response_payload_size: 80 } as R } as never;
          return { body: (await full.get(b.request_id)!.promise) as R } as never;
        },
      },
    };
    const spec = { requestType: "OptimStep", parse: (b: unknown) => b };
    const f1 = pollingFuture(ctx, async () => ({ request_id: "r1" }), spec);
    await new Promise((r) => setImmediate(r));
    expect(budget.remaining).toBe(-30); // 50 ≥ 0: through, may go negative
    const f2 = pollingFuture(ctx, async () => ({ request_id: "r2" }), spec);
    await new Promise((r) => setImmediate(r));
    // r2's metadata answer came, but its full poll waits for r1's bytes.
    expect(polls.map((p) => `${p.request_id}:${p.allow_metadata_only}`)).toEqual([
      "r1:true",
      "r1:false",
      "r2:true",
    ]);
    full.get("r1")!.resolve({ ok: 1 });
    expect(await f1).toEqual({ ok: 1 });
    await new Promise((r) => setImmediate(r));
    expect(polls.at(-1)).toEqual({ request_id: "r2", allow_metadata_only: false });
    full.get("r2")!.reject(new Error("boom"));
    await expect(f2).rejects.toThrow();
    expect(budget.remaining).toBe(50);
  });
});
