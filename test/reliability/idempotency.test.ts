/**
 * Issue 21: retries that are truly idempotent. The emulator stores the first answer per
 * `x-idempotency-key` and replays it; a training step whose answer stalls past the client timeout is
 * applied once and reported once, as a success. An abort after submission says it may have landed.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import { APIUserAbortError, type Datum, ModelInput, ServiceClient, TensorData } from "../../src/index.js";
import { call, KEY, sessionAndModel } from "../emulator/helpers.js";

let emu: Emulator | undefined;
let service: ServiceClient | undefined;
afterEach(async () => {
  await service?.close();
  await emu?.close();
  service = undefined;
  emu = undefined;
});

function datum(): Datum {
  const tokens = [...Buffer.from("the cat sat")];
  return {
    model_input: ModelInput.fromInts(tokens.slice(0, -1)),
    loss_fn_inputs: { target_tokens: TensorData.fromArray(tokens.slice(1), "int64") },
  };
}

const optim = (modelId: string, seqId: number) => ({
  model_id: modelId,
  seq_id: seqId,
  adam_params: { learning_rate: 1e-3 },
});

describe("emulator idempotency store", () => {
  it("replays the first answer for a repeated key and runs the work once", async () => {
    emu = await startEmulator();
    const { modelId } = await sessionAndModel(emu);
    const headers = { "x-api-key": KEY, "x-idempotency-key": "key-1" };
    const first = await call(emu, "POST", "/api/v1/optim_step", optim(modelId, 1), headers);
    const again = await call(emu, "POST", "/api/v1/optim_step", optim(modelId, 1), headers);
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(emu.log.entries.at(-1)?.replayed).toBe(true);
    // Without the key, the same body is a duplicate seq_id (what the SDK used to be told).
    const bare = await call(emu, "POST", "/api/v1/optim_step", optim(modelId, 1));
    expect(bare.status).toBe(400);
    expect(bare.body.detail).toMatch(/duplicate seq_id/);
    // A key reused for another request is refused.
    const reused = await call(emu, "POST", "/api/v1/optim_step", optim(modelId, 2), headers);
    expect(reused.status).toBe(422);
    expect(reused.body.detail).toMatch(/already used for a different request/);
    await new Promise((r) => setTimeout(r, 50));
    expect(emu.log.applied.filter((a) => a.path === "/api/v1/optim_step")).toHaveLength(1);
  });

  it("does not store a failed answer: the repeat runs again", async () => {
    emu = await startEmulator();
    const { modelId } = await sessionAndModel(emu);
    const headers = { "x-api-key": KEY, "x-idempotency-key": "key-2" };
    const body = { ...optim(modelId, 1), model_id: "model-missing" };
    expect((await call(emu, "POST", "/api/v1/optim_step", body, headers)).status).toBe(404);
    expect((await call(emu, "POST", "/api/v1/optim_step", body, headers)).status).toBe(404);
    expect(emu.log.entries.at(-1)?.replayed).toBeUndefined();
  });

  it("answers a repeat that arrives while the first is in progress once the first is answered", async () => {
    emu = await startEmulator();
    const { modelId } = await sessionAndModel(emu);
    // The first copy is held after being handled; the repeat must wait for it, not run again.
    emu.faults.add({ route: "POST /api/v1/optim_step", stallAnswerMs: 200 });
    const headers = { "x-api-key": KEY, "x-idempotency-key": "key-3" };
    const [a, b] = await Promise.all([
      call(emu, "POST", "/api/v1/optim_step", optim(modelId, 1), headers),
      call(emu, "POST", "/api/v1/optim_step", optim(modelId, 1), headers),
    ]);
    expect(a.body).toEqual(b.body);
    expect([a.status, b.status]).toEqual([200, 200]);
  });

  it("forgets answers after the TTL and keeps a bounded number of keys", async () => {
    let now = 1_000_000;
    emu = await startEmulator({ now: () => now, idempotency: { ttlMs: 1_000, maxEntries: 3 } });
    const { modelId } = await sessionAndModel(emu);
    const headers = (k: string) => ({ "x-api-key": KEY, "x-idempotency-key": k });
    for (let i = 1; i <= 5; i++) {
      expect(
        (await call(emu, "POST", "/api/v1/optim_step", optim(modelId, i), headers(`k${i}`))).status,
      ).toBe(200);
    }
    // k1 was evicted (only 3 kept): its repeat runs again and meets the seq-id check.
    expect((await call(emu, "POST", "/api/v1/optim_step", optim(modelId, 1), headers("k1"))).status).toBe(
      400,
    );
    expect((await call(emu, "POST", "/api/v1/optim_step", optim(modelId, 5), headers("k5"))).status).toBe(
      200,
    );
    now += 1_001;
    expect((await call(emu, "POST", "/api/v1/optim_step", optim(modelId, 5), headers("k5"))).status).toBe(
      400,
    );
  });
});

describe("the SDK against a stalled answer", () => {
  it("a step whose answer stalls past the client timeout is applied once and reported once, as success", async () => {
    emu = await startEmulator({ pollHoldMs: 20 });
    service = new ServiceClient({
      apiKey: KEY,
      baseUrl: emu.url,
      timeout: 300,
      telemetry: false,
      warn: () => {},
    });
    const training = await service.createLoraTrainingClient("tinker-ts/tiny-lm", { rank: 4, seed: 1 });
    // Handled (applied) at once, answered after 700 ms: the client gives up at 300 ms and retries.
    emu.faults.add({ route: "POST /api/v1/forward_backward", stallAnswerMs: 700 });
    const future = training.forwardBackward([datum()], "cross_entropy");
    const out = await future;
    expect(out.metrics["loss:sum"]).toBeGreaterThan(0);
    const attempts = emu.log.byPath("/api/v1/forward_backward");
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(attempts.filter((e) => e.replayed)).toHaveLength(attempts.length - 1);
    const applied = emu.log.applied.filter((a) => a.path === "/api/v1/forward_backward");
    expect(applied).toHaveLength(1);
    expect(applied[0]?.requestId).toBe(future.requestId);
    expect(emu.log.seqViolations).toEqual([]);
    // The step counts once: the next one trains on, with the next seq_id.
    await training.optimStep({ learning_rate: 1e-3 });
    expect(emu.log.applied.map((a) => a.path)).toEqual(["/api/v1/forward_backward", "/api/v1/optim_step"]);
  }, 30_000);
});

describe("abort after submission", () => {
  it("says the request may have been applied once it was sent, and not before", async () => {
    emu = await startEmulator({ pollHoldMs: 20 });
    service = new ServiceClient({ apiKey: KEY, baseUrl: emu.url, telemetry: false, warn: () => {} });
    const training = await service.createLoraTrainingClient("tinker-ts/tiny-lm", { rank: 4, seed: 1 });

    const before = new AbortController();
    before.abort();
    const notSent = await training
      .forwardBackward([datum()], "cross_entropy", null, { signal: before.signal })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(notSent).toBeInstanceOf(APIUserAbortError);
    expect((notSent as APIUserAbortError).mayHaveBeenApplied).toBe(false);

    // Accepted, then aborted while its result is awaited: it may well be applied.
    emu.state.futures.pause();
    const during = new AbortController();
    const future = training.forwardBackward([datum()], "cross_entropy", null, { signal: during.signal });
    while (future.requestId === undefined) await new Promise((r) => setTimeout(r, 5));
    during.abort();
    const err = await future.then(
      () => null,
      (e: unknown) => e,
    );
    emu.state.futures.resume();
    expect(err).toBeInstanceOf(APIUserAbortError);
    expect((err as APIUserAbortError).mayHaveBeenApplied).toBe(true);
    expect((err as Error).message).toMatch(/may have applied it/);
    expect((err as Error).message).toContain(future.requestId as string);

    // Aborted while the submit itself is on the wire (the server holds it): may have landed too.
    emu.faults.add({ route: "POST /api/v1/optim_step", delayMs: 300 });
    const wire = new AbortController();
    const step = training.optimStep({ learning_rate: 1e-3 }, { signal: wire.signal });
    setTimeout(() => wire.abort(), 100);
    const wireErr = await step.then(
      () => null,
      (e: unknown) => e,
    );
    expect(wireErr).toBeInstanceOf(APIUserAbortError);
    expect((wireErr as APIUserAbortError).mayHaveBeenApplied).toBe(true);
  }, 30_000);
});
