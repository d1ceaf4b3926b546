/**
 * 0.25.0's sampling back-off (sampling_client.py / internal_client_holder.py at d595dc2): after a
 * 429 the holder backs off 1 s, or 5 s when the prompt is estimated over 128 KiB; and submits that
 * start within 10 s of a back-off also take one of 10 throttled slots. 0.4.1 has neither.
 */
import diagnostics from "node:diagnostics_channel";
import { afterEach, describe, expect, it } from "vitest";
import { holderOf } from "../../src/clients/service-client.js";
import { CHANNELS, type RequestStartMessage } from "../../src/core/instrumentation.js";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { ServiceClient } from "../../src/index.js";
import { estimateSampleBytes } from "../../src/lib/proto-size.js";
import { ModelInput } from "../../src/types/model-input.js";
import { FakeClock } from "../support/fake-clock.js";

let emu: Emulator | undefined;
let service: ServiceClient | undefined;
afterEach(async () => {
  await service?.close();
  await emu?.close();
  emu = service = undefined;
});

const tooMany = { route: "POST /api/v1/asample", status: 429, body: { detail: "slow down" } };

function client(e: Emulator, clock: FakeClock, protocol: "0.25.0" | "0.4.1" = "0.25.0"): ServiceClient {
  service = new ServiceClient({
    protocol,
    apiKey: "tml-test",
    baseUrl: e.url,
    deps: clock.deps,
    logger: { warn: () => {}, error: () => {} },
  });
  return service;
}

/** The fake-clock time of each asample attempt while `run` runs. */
async function asampleTimes(clock: FakeClock, run: () => PromiseLike<unknown>): Promise<number[]> {
  const times: number[] = [];
  const onStart = (m: unknown) => {
    if ((m as RequestStartMessage).path === "/api/v1/asample") times.push(clock.nowMs);
  };
  diagnostics.subscribe(CHANNELS.requestStart, onStart);
  try {
    await run();
  } finally {
    diagnostics.unsubscribe(CHANNELS.requestStart, onStart);
  }
  return times;
}

async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !cond(); i++) await new Promise((r) => setImmediate(r));
  expect(cond()).toBe(true);
}

describe("sampling back-off after a 429 (0.25.0)", () => {
  const small = ModelInput.fromInts([1, 2, 3]);
  // 13 200 tokens × 10 bytes: over 128 KiB (131 072).
  const large = ModelInput.fromInts(Array.from({ length: 13_200 }, (_, i) => i % 200));

  it("waits 1 s for a small prompt and 5 s for one estimated over 128 KiB", async () => {
    expect(estimateSampleBytes(large.toJSON())).toBeGreaterThan(128 * 1024);
    expect(estimateSampleBytes(small.toJSON())).toBeLessThanOrEqual(128 * 1024);
    emu = await startEmulator({ seed: 0, faults: [tooMany, { ...tooMany, after: 1 }] });
    const clock = new FakeClock();
    const sampler = await client(emu, clock).createSamplingClient({ baseModel: "Qwen/Qwen3-8B" });
    const a = await asampleTimes(clock, () => sampler.sample(small, 1, { max_tokens: 1 }));
    expect(a).toHaveLength(2);
    expect((a[1] as number) - (a[0] as number)).toBe(1_000);
    await clock.advance(20_000); // past the throttled window of the first back-off
    const b = await asampleTimes(clock, () => sampler.sample(large, 1, { max_tokens: 1 }));
    expect(b).toHaveLength(2);
    expect((b[1] as number) - (b[0] as number)).toBe(5_000);
  });

  it("0.4.1 waits 1 s whatever the prompt's size", async () => {
    emu = await startEmulator({ seed: 0, faults: [tooMany] });
    const clock = new FakeClock();
    const sampler = await client(emu, clock, "0.4.1").createSamplingClient({ baseModel: "Qwen/Qwen3-8B" });
    const t = await asampleTimes(clock, () => sampler.sample(large, 1, { max_tokens: 1 }));
    expect(t).toHaveLength(2);
    expect((t[1] as number) - (t[0] as number)).toBe(1_000);
    expect(holderOf(service as ServiceClient).sampleThrottled).toBeUndefined();
  });

  it("submits that start during or just after a back-off take one of 10 throttled slots", async () => {
    emu = await startEmulator({ seed: 0, faults: [tooMany] });
    // No sleep advances by itself: the back-off holds until the test moves the clock.
    const clock = new FakeClock(0);
    const s = client(emu, clock);
    const sampler = await s.createSamplingClient({ baseModel: "Qwen/Qwen3-8B" });
    const holder = holderOf(s);
    const first = sampler.sample(small, 1, { max_tokens: 1 }).catch(() => undefined);
    await until(() => holder.sampleBackoffUntil !== undefined);
    const throttled = holder.sampleThrottled;
    expect(throttled?.available).toBe(10);
    const more = Array.from({ length: 15 }, () =>
      sampler.sample(small, 1, { max_tokens: 1 }).catch(() => undefined),
    );
    await until(() => throttled?.waiting === 5);
    expect(throttled?.available).toBe(0);
    // Only the refused submit reached the server; the others wait out the back-off.
    expect(emu.log.entries.filter((r) => r.path === "/api/v1/asample")).toHaveLength(1);
    await service?.close();
    await Promise.all([first, ...more]);
  });
});
