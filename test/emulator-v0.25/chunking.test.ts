/**
 * The 0.25.0 TrainingClient against the in-process emulator with small server caps: chunked,
 * parallel, under a 1-byte dispatch budget and with metadata-only polls, a forward and a
 * forward_backward give the same outputs as the same calls unchunked (default caps).
 */
import { afterEach, describe, expect, it } from "vitest";
import type { ClientConfigFlags } from "../../src/protocol/client-config.js";
import { type Emulator, startEmulator } from "../../src/emulator/index.js";
import {
  BadRequestError,
  type Datum,
  ModelInput,
  ServiceClient,
  TensorData,
  ValidationError,
} from "../../src/index.js";

const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of open.splice(0).reverse()) await o.close();
});

/** Seven datums of different lengths (2..8 tokens): 40..160 estimated protobuf bytes each. */
const data: Datum[] = Array.from({ length: 7 }, (_, i) => {
  const tokens = Array.from({ length: 2 + i }, (_, j) => 65 + ((i * 3 + j) % 20));
  const targets = tokens.map((t) => t + 1);
  return {
    model_input: ModelInput.fromInts(tokens),
    loss_fn_inputs: {
      target_tokens: TensorData.fromArray(targets, "int64"),
      weights: TensorData.fromArray(
        targets.map(() => 1),
        "float32",
      ),
    },
  };
});

async function run(clientConfig: Partial<ClientConfigFlags>, metadataOnlyOverBytes?: number) {
  const emu: Emulator = await startEmulator({ seed: 0, v025: { clientConfig, metadataOnlyOverBytes } });
  open.push(emu);
  const service = new ServiceClient({ apiKey: "tml-test", baseUrl: emu.url, protocol: "0.25.0" });
  open.push(service);
  const training = await service.createLoraTrainingClient("Qwen/Qwen3-8B", { rank: 4 });
  // 0.25.0 refuses an empty batch before anything is sent, and no seq_id is used up.
  expect(() => training.forward([], "cross_entropy")).toThrow(ValidationError);
  expect(training.nextSeqId).toBe(1);
  const fwd = await training.forward(data, "cross_entropy");
  const fb = await training.forwardBackward(data, "cross_entropy");
  const submits = emu.log.entries.filter((e) => e.path === "/api/v1/forward_backward");
  const seqIds = submits.map((e) => (JSON.parse(JSON.stringify(e.body)) as { seq_id: number }).seq_id);
  const applied = emu.log.applied.map((a) => a.seqId);
  return { fwd, fb, seqIds, applied, nextSeqId: training.nextSeqId };
}

const values = (o: {
  loss_fn_outputs: ReadonlyArray<Record<string, { data: readonly number[] } | undefined>>;
}) =>
  o.loss_fn_outputs.map((x) => ({
    logprobs: [...(x["logprobs"]?.data ?? [])],
    loss: [...(x["elementwise_loss"]?.data ?? [])],
  }));

describe("0.25.0 chunking against the emulator", () => {
  it("small server caps, parallel chunks and a 1-byte budget give the unchunked results", async () => {
    const whole = await run({});
    expect(whole.applied).toEqual([1, 2]);
    expect(whole.seqIds).toEqual([1, 2]); // one chunk per call
    const chunked = await run(
      { fwdbwd_max_chunk_len: 3, fwdbwd_max_chunk_bytes_count: 200, fwdbwd_dispatch_bytes_semaphore_size: 1 },
      64,
    );
    // 40+56+72 = 168 | 88+104 = 192 | 120 | 136 (≤ 200 bytes, ≤ 3 datums): 4 chunks per call,
    // sent 2, 3, 4 then 1 for each call.
    expect(chunked.seqIds).toEqual([2, 3, 4, 1, 6, 7, 8, 5]);
    expect(chunked.nextSeqId).toBe(9);
    // The emulator held chunks 2..4 until chunk 1 came: the work ran in seq_id order.
    expect(chunked.applied).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(values(chunked.fwd)).toEqual(values(whole.fwd));
    expect(values(chunked.fb)).toEqual(values(whole.fb));
    expect(chunked.fb.loss_fn_outputs).toHaveLength(data.length);
    expect(Object.keys(chunked.fb.metrics).sort()).toEqual(Object.keys(whole.fb.metrics).sort());
    for (const [k, v] of Object.entries(whole.fb.metrics)) expect(chunked.fb.metrics[k]).toBeCloseTo(v, 4);
  });

  it("a failed chunk 2 keeps chunks 3, 4 and 1 from going out; the call fails alone and the next one runs", async () => {
    const emu = await startEmulator({
      seed: 0,
      faults: [{ route: "POST /api/v1/forward_backward", status: 400, times: 1 }],
      v025: {
        clientConfig: {
          fwdbwd_max_chunk_len: 3,
          fwdbwd_max_chunk_bytes_count: 200,
          fwdbwd_dispatch_bytes_semaphore_size: 1,
        },
        // Chunk 1 of the failed call never comes: the next call's chunks run after this wait. It
        // must outlast the next call's own chunk 1 (sent once chunks 2..n are answered, within
        // milliseconds), or 6, 7, 8 would run before 5 and 5 be refused as out of order. 20 ms
        // failed on a loaded machine; 1.5 s leaves a wide margin.
        chunkTurnWaitMs: 1_500,
      },
    });
    open.push(emu);
    const service = new ServiceClient({ apiKey: "tml-test", baseUrl: emu.url, protocol: "0.25.0" });
    open.push(service);
    const training = await service.createLoraTrainingClient("Qwen/Qwen3-8B", { rank: 4 });
    await expect(training.forward(data, "cross_entropy")).rejects.toBeInstanceOf(BadRequestError);
    const out = await training.forward(data, "cross_entropy");
    expect(out.loss_fn_outputs).toHaveLength(data.length);
    const sent = emu.log.entries
      .filter((e) => e.path === "/api/v1/forward_backward")
      .map((e) => (JSON.parse(JSON.stringify(e.body)) as { seq_id: number }).seq_id);
    expect(sent).toEqual([2, 6, 7, 8, 5]);
    expect(emu.log.applied.map((a) => a.seqId)).toEqual([5, 6, 7, 8]);
  });
});
