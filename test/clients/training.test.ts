/** TrainingClient against the loopback fake API: ordering, chunking, submit failures, aborts. */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { APIUserAbortError, BadRequestError } from "../../src/errors/index.js";
import { type FakeApi, startFakeApi, tinyDatum } from "./fake-api.js";

const TRAIN_SUBMITS = new Set([
  "/api/v1/forward",
  "/api/v1/forward_backward",
  "/api/v1/optim_step",
  "/api/v1/save_weights",
]);

describe("TrainingClient", () => {
  let api: FakeApi;
  beforeEach(async () => {
    api = await startFakeApi();
  });
  afterEach(async () => {
    await api.close();
  });

  const submits = () =>
    api.server.requests
      .filter((r) => TRAIN_SUBMITS.has(r.path))
      .map((r) => [r.path.replace("/api/v1/", ""), (r.body as { seq_id: number }).seq_id] as const);

  it("sends calls made without awaiting strictly in call order, one at a time", async () => {
    const training = await api.service().createLoraTrainingClient("base", { rank: 4 });
    // The first submit is slow: if ordering relied on arrival, later calls would overtake it.
    api.server.script("POST /api/v1/forward_backward", { delayMs: 80, body: { request_id: "slow" } });
    api.server.script("POST /api/v1/retrieve_future", {
      body: { loss_fn_output_type: "ce", loss_fn_outputs: [], metrics: {} },
    });
    const calls = [
      training.forwardBackward([tinyDatum()], "cross_entropy"),
      training.optimStep({ learning_rate: 1e-4 }),
      training.forward([tinyDatum()], "cross_entropy"),
      training.saveState("a"),
    ];
    await Promise.all(calls);
    expect(submits()).toEqual([
      ["forward_backward", 1],
      ["optim_step", 2],
      ["forward", 3],
      ["save_weights", 4],
    ]);
    // The second submit arrived only after the slow first one had been answered.
    const [first, second] = api.server.requests.filter((r) => TRAIN_SUBMITS.has(r.path));
    expect((second?.arrivedAt ?? 0) - (first?.arrivedAt ?? 0)).toBeGreaterThanOrEqual(70);
  });

  it("two TrainingClients of one ServiceClient do not wait for each other (0.4.1's TRAIN pool)", async () => {
    const service = api.service();
    const a = await service.createLoraTrainingClient("base", { rank: 4 });
    const b = await service.createLoraTrainingClient("base", { rank: 4 });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    api.server.script("POST /api/v1/optim_step", { hold: held, body: { request_id: "held" } });
    let optimDone = false;
    const optim = a.optimStep({ learning_rate: 1e-4 }).then((r) => {
      optimDone = true;
      return r;
    });
    await vi.waitFor(() =>
      expect(api.server.requests.some((r) => r.path === "/api/v1/optim_step")).toBe(true),
    );
    // While a's optim_step is unanswered, b's forward_backward is sent, answered and polled to its end.
    const out = await b.forwardBackward([tinyDatum()], "cross_entropy");
    expect(out.loss_fn_outputs).toHaveLength(1);
    expect(optimDone).toBe(false);
    api.server.script("POST /api/v1/retrieve_future", { body: { metrics: { "loss:mean": 1 } } });
    release();
    expect(await optim).toEqual({ metrics: { "loss:mean": 1 } });
    // Each client still counts its own seq_ids from 1.
    expect(submits()).toEqual([
      ["optim_step", 1],
      ["forward_backward", 1],
    ]);
  });

  it("gives a chunked call contiguous seq_ids and combines its chunks in order", async () => {
    const training = await api.service().createLoraTrainingClient("base");
    const data = Array.from({ length: 300 }, () => tinyDatum());
    const fb = training.forwardBackward(data, "cross_entropy");
    const opt = training.optimStep();
    const out = await fb;
    await opt;
    expect(submits()).toEqual([
      ["forward_backward", 1],
      ["forward_backward", 2],
      ["forward_backward", 3],
      ["optim_step", 4],
    ]);
    const sizes = api
      .bodies("/api/v1/forward_backward")
      .map((b) => (b.forward_backward_input as { data: unknown[] }).data.length);
    expect(sizes).toEqual([128, 128, 44]);
    expect(out.loss_fn_outputs).toHaveLength(300);
    expect(out.metrics).toEqual({ "loss:sum": 6, "seq:max": 3 });
  });

  it("fails only the call whose submit failed; later calls proceed (no wedge, unlike 0.4.1 H5)", async () => {
    const training = await api.service().createLoraTrainingClient("base");
    // Chunk 1 of 3 is refused: the call fails, its chunks 2-3 are not sent, optim_step still goes out.
    api.server.script("POST /api/v1/forward_backward", { status: 400, body: { detail: "bad chunk" } });
    const data = Array.from({ length: 300 }, () => tinyDatum());
    const failed = training.forwardBackward(data, "cross_entropy");
    const after = training.optimStep();
    await expect(failed).rejects.toBeInstanceOf(BadRequestError);
    await expect(after).resolves.toEqual({ metrics: { seq: 4 } });
    expect(submits()).toEqual([
      ["forward_backward", 1],
      ["optim_step", 4],
    ]);
  });

  it("an aborted call fails alone and releases its slot", async () => {
    const training = await api.service().createLoraTrainingClient("base");
    api.server.script("POST /api/v1/forward_backward", { delayMs: 50, body: { request_id: "slow" } });
    api.server.script("POST /api/v1/retrieve_future", {
      body: { loss_fn_output_type: "ce", loss_fn_outputs: [], metrics: {} },
    });
    const ac = new AbortController();
    const first = training.forwardBackward([tinyDatum()], "cross_entropy");
    const aborted = training.optimStep({}, { signal: ac.signal });
    const last = training.saveState("x");
    ac.abort();
    await first;
    await expect(aborted).rejects.toBeInstanceOf(APIUserAbortError);
    await expect(last).resolves.toEqual({ path: "tinker://m/weights/x" });
    expect(submits()).toEqual([
      ["forward_backward", 1],
      ["save_weights", 3],
    ]);
  });

  it("empty data sends nothing, uses no seq_id and yields the empty combination", async () => {
    const training = await api.service().createLoraTrainingClient("base");
    await expect(training.forward([], "cross_entropy")).resolves.toEqual({
      loss_fn_output_type: "",
      loss_fn_outputs: [],
      metrics: {},
    });
    await training.optimStep();
    expect(submits()).toEqual([["optim_step", 1]]);
  });

  it("forwardBackwardCustom sends the linear surrogate (weights = -grad) and merges user metrics", async () => {
    const training = await api.service().createLoraTrainingClient("base");
    const out = await training.forwardBackwardCustom([tinyDatum(), tinyDatum()], (_data, logprobs) => ({
      loss: 0,
      grads: logprobs.map((lp) => lp.map((v) => v * 0.5)),
      metrics: { "custom:sum": 7 },
    }));
    const fb = api.bodies("/api/v1/forward_backward")[0] as {
      forward_backward_input: {
        data: Array<{ loss_fn_inputs: Record<string, { data: number[] }> }>;
        loss_fn: string;
      };
      seq_id: number;
    };
    expect(fb.seq_id).toBe(2);
    expect(fb.forward_backward_input.loss_fn).toBe("cross_entropy");
    expect(fb.forward_backward_input.data[0]?.loss_fn_inputs.weights?.data).toEqual([0.5, 1]);
    expect(Object.keys(fb.forward_backward_input.data[0]?.loss_fn_inputs ?? {}).sort()).toEqual([
      "target_tokens",
      "weights",
    ]);
    expect(out.metrics["custom:sum"]).toBe(7);
  });
});
