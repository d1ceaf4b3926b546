/**
 * A 0.25.0 client against the real emulator with 402 faults (`billingFault`): the billing pause
 * waits 5 s (fake clock) and re-sends until the emulator lets the request through, and gives up
 * with the 402 once the pause outlasts the emulator's `billing_exception_max_pause_duration_sec`.
 */
import { afterEach, describe, expect, it } from "vitest";
import { billingFault, type Emulator, startEmulator } from "../../src/emulator/index.js";
import { APIStatusError, ServiceClient } from "../../src/index.js";
import { ModelInput } from "../../src/types/model-input.js";
import { datum } from "../../src/types/datum.js";
import { FakeClock } from "../support/fake-clock.js";

let emu: Emulator | undefined;
let service: ServiceClient | undefined;
afterEach(async () => {
  await service?.close();
  await emu?.close();
  emu = service = undefined;
});

function client(e: Emulator, clock: FakeClock): ServiceClient {
  service = new ServiceClient({
    protocol: "0.25.0",
    apiKey: "tml-test",
    baseUrl: e.url,
    deps: clock.deps,
    logger: { warn: () => {}, error: () => {} },
  });
  return service;
}

const submits = (e: Emulator, path: string) => e.log.entries.filter((r) => r.path === path);

describe("billing pause against the emulator (0.25.0)", () => {
  it("pauses on 402s, then succeeds: training submit, asample (same seq_id)", async () => {
    emu = await startEmulator({
      seed: 0,
      faults: [billingFault("POST /api/v1/forward_backward", 2), billingFault("POST /api/v1/asample", 1)],
    });
    const clock = new FakeClock();
    const s = client(emu, clock);
    const training = await s.createLoraTrainingClient("Qwen/Qwen3-8B", { rank: 8 });
    const out = await training.forwardBackward(
      [datum({ model_input: ModelInput.fromInts([1, 2, 3]), loss_fn_inputs: { target_tokens: [2, 3, 4] } })],
      "cross_entropy",
    );
    expect(out.loss_fn_outputs).toHaveLength(1);
    expect(submits(emu, "/api/v1/forward_backward").map((r) => r.status)).toEqual([402, 402, 200]);
    expect(clock.sleeps.filter((ms) => ms === 5_000)).toHaveLength(2);
    expect(emu.log.seqViolations).toEqual([]);

    const sampler = await s.createSamplingClient({ baseModel: "Qwen/Qwen3-8B" });
    const r = await sampler.sample(ModelInput.fromInts([1, 2, 3]), 1, { max_tokens: 2 });
    expect(r.sequences).toHaveLength(1);
    const asamples = submits(emu, "/api/v1/asample");
    expect(asamples.map((a) => a.status)).toEqual([402, 200]);
    expect(asamples.map((a) => (a.body as { seq_id: number }).seq_id)).toEqual([0, 0]);
  });

  it("raises the 402 when the pause outlasts billing_exception_max_pause_duration_sec", async () => {
    emu = await startEmulator({
      seed: 0,
      v025: { clientConfig: { billing_exception_max_pause_duration_sec: 2 } },
      faults: [billingFault("POST /api/v1/optim_step", 5)],
    });
    const clock = new FakeClock();
    const training = await client(emu, clock).createLoraTrainingClient("Qwen/Qwen3-8B", { rank: 8 });
    const err = await training.optimStep({ learning_rate: 1e-4 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIStatusError);
    expect((err as APIStatusError).status).toBe(402);
    // The first 402 opens the window; the second, 5 s later, is past its 2 s.
    expect(submits(emu, "/api/v1/optim_step").map((r) => r.status)).toEqual([402, 402]);
  });

  it("the REST holder's window is its own: a REST 402 earlier does not shorten the session's pause", async () => {
    emu = await startEmulator({
      seed: 0,
      v025: { clientConfig: { billing_exception_max_pause_duration_sec: 10 } },
      faults: [
        billingFault("GET /api/v1/training_runs", 1),
        billingFault("POST /api/v1/forward_backward", 1),
      ],
    });
    const clock = new FakeClock();
    const s = client(emu, clock);
    await s.createRestClient().listTrainingRuns();
    expect(submits(emu, "/api/v1/training_runs").map((r) => r.status)).toEqual([402, 200]);
    // 11 s after the REST holder's first 402: past its 10 s window, inside no window of the session's.
    await clock.advance(6_000);
    const training = await s.createLoraTrainingClient("Qwen/Qwen3-8B", { rank: 8 });
    const out = await training.forwardBackward(
      [datum({ model_input: ModelInput.fromInts([1, 2]), loss_fn_inputs: { target_tokens: [2, 3] } })],
      "cross_entropy",
    );
    expect(out.loss_fn_outputs).toHaveLength(1);
    expect(submits(emu, "/api/v1/forward_backward").map((r) => r.status)).toEqual([402, 200]);
  });
});
