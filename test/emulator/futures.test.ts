/**
 * retrieve_future: long-poll hold, try_again / 408 after the hold, wake-up on completion,
 * 410 after expiry, 404 for unknown ids, failed futures with a category.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type Emulator, type EmulatorOptions, startEmulator } from "../../src/emulator/index.js";
import { call, sessionAndModel, settle } from "./helpers.js";

describe("emulator futures", () => {
  let emu: Emulator | undefined;
  afterEach(async () => {
    await emu?.close();
    emu = undefined;
  });
  const start = async (opts: EmulatorOptions) => {
    emu = await startEmulator(opts);
    return emu;
  };
  const submitOptim = async (e: Emulator, modelId: string, seqId: number, lr = 0.001) =>
    (
      await call(e, "POST", "/api/v1/optim_step", {
        adam_params: { learning_rate: lr },
        model_id: modelId,
        seq_id: seqId,
      })
    ).body.request_id as string;

  it("answers try_again with the queue state after the hold while work is paused", async () => {
    const e = await start({ pollHoldMs: 5 });
    const { modelId } = await sessionAndModel(e);
    e.state.futures.pause();
    const id = await submitOptim(e, modelId, 1);
    const r = await call(e, "POST", "/api/v1/retrieve_future", { request_id: id });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ type: "try_again", request_id: id, queue_state: "paused_capacity" });
    e.state.futures.resume();
    const done = await settle(e, id);
    expect(Object.keys(done.body)).toEqual(["metrics"]);
  });

  it("answers 408 with the queue state in 408 mode", async () => {
    const e = await start({ pollHoldMs: 5, pendingResponse: "408" });
    const { modelId } = await sessionAndModel(e);
    e.state.futures.pause();
    const id = await submitOptim(e, modelId, 1);
    const r = await call(e, "POST", "/api/v1/retrieve_future", { request_id: id });
    expect(r.status).toBe(408);
    expect(r.body).toEqual({ queue_state: "paused_capacity" });
  });

  it("a held poll returns the result as soon as the work finishes", async () => {
    // A long hold: the poll only returns early if the completion wakes it.
    const e = await start({ pollHoldMs: 60_000 });
    const { modelId } = await sessionAndModel(e);
    e.state.futures.pause();
    const id = await submitOptim(e, modelId, 1);
    const poll = call(e, "POST", "/api/v1/retrieve_future", { request_id: id });
    // Wait until the emulator has received the poll before resuming the work.
    while (e.log.byPath("/api/v1/retrieve_future").length === 0) await new Promise((r) => setImmediate(r));
    e.state.futures.resume();
    const r = await poll;
    expect(r.status).toBe(200);
    expect(r.body.metrics).toBeTypeOf("object");
  });

  it("results expire: 410 after resultTtlMs (injected clock)", async () => {
    let now = 1_000_000;
    const e = await start({ pollHoldMs: 50, resultTtlMs: 1000, now: () => now });
    const { modelId } = await sessionAndModel(e);
    const id = await submitOptim(e, modelId, 1);
    expect((await settle(e, id)).status).toBe(200);
    now += 999;
    expect((await call(e, "POST", "/api/v1/retrieve_future", { request_id: id })).status).toBe(200);
    now += 1;
    const gone = await call(e, "POST", "/api/v1/retrieve_future", { request_id: id });
    expect(gone.status).toBe(410);
    expect(gone.body.detail).toContain(id);
    expect((await call(e, "POST", "/api/v1/retrieve_future", { request_id: id })).status).toBe(410);
  });

  it("unknown ids answer 404", async () => {
    const e = await start({ pollHoldMs: 5 });
    const r = await call(e, "POST", "/api/v1/retrieve_future", { request_id: "req-nope" });
    expect(r.status).toBe(404);
  });

  it("failed work answers {error, category}", async () => {
    const e = await start({ pollHoldMs: 50 });
    const { modelId } = await sessionAndModel(e);
    const id = await submitOptim(e, modelId, 1, -1);
    const r = await settle(e, id);
    expect(r.status).toBe(200);
    expect(r.body.category).toBe("user");
    expect(typeof r.body.error).toBe("string");
    const load = await call(e, "POST", "/api/v1/load_weights", {
      model_id: modelId,
      path: `tinker://${modelId}/weights/never-saved`,
      seq_id: 2,
    });
    const lr = await settle(e, load.body.request_id);
    expect(lr.body).toMatchObject({ category: "user" });
  });

  it("work for one model runs in submission order", async () => {
    const e = await start({ pollHoldMs: 50 });
    const { modelId } = await sessionAndModel(e);
    const save = await call(e, "POST", "/api/v1/save_weights", { model_id: modelId, path: "a", seq_id: 1 });
    const load = await call(e, "POST", "/api/v1/load_weights", {
      model_id: modelId,
      path: `tinker://${modelId}/weights/a`,
      seq_id: 2,
    });
    // If load ran before save, the checkpoint would not exist yet and the load would fail.
    expect((await settle(e, load.body.request_id)).body).toEqual({
      path: `tinker://${modelId}/weights/a`,
      type: "load_weights",
    });
    expect((await settle(e, save.body.request_id)).body.type).toBe("save_weights");
  });
});
